import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import type { FailoverRecord } from './dns/failover';
import type { HaTargetGroup } from './shared/target-group';
import { CLOUDWATCH_ALARM_LIMITS, ELB_METRIC_RESOLUTION_SECONDS, ROUTE53_METRICS_REGION } from '@ha-load-balancer/spec';
import { isUnresolved, IssueCollector, seconds, warn } from './shared/errors';

export interface AlarmOptions {
  /**
   * ELB-generated 5XX responses per period that raise the alarm (ALB), 0 or more.
   * @default 10
   */
  readonly elb5xxThreshold?: number;
  /**
   * p99 target response time that raises the alarm (ALB).
   * @default 2 seconds
   */
  readonly p99ResponseTime?: Duration;
  /**
   * Evaluation period: a whole multiple of 60 seconds (ELB and Route 53 publish these metrics once a minute).
   * @default 1 minute
   */
  readonly period?: Duration;
  /**
   * Consecutive breaching periods before the alarm fires, a whole number of at least 1.
   * @default 3
   */
  readonly evaluationPeriods?: number;
  /**
   * Actions run when an alarm fires (e.g. an SNS topic action).
   * @default no actions
   */
  readonly alarmActions?: cloudwatch.IAlarmAction[];
}

/** What the alarms need to know about a load balancer. */
export interface AlarmSubject extends Construct {
  readonly type: string;
  readonly alb: elbv2.ApplicationLoadBalancer | undefined;
  readonly failover?: FailoverRecord;
}

const DEFAULT_PERIOD = Duration.minutes(1);
const DEFAULT_EVALUATION_PERIODS = 3;

/**
 * CloudWatch's limits on alarms (PutMetricAlarm), checked before aws-cdk-lib's Metric would throw:
 * period 10, 30 or a multiple of 60 seconds (20 is valid in CloudWatch but not in aws-cdk-lib),
 * evaluation periods a whole number of at least 1, period × evaluation periods within one day
 * (periods under an hour) or seven days.
 */
export function validateAlarmOptions(issues: IssueCollector, scope: Construct, options: AlarmOptions): void {
  const lim = CLOUDWATCH_ALARM_LIMITS;
  const period = seconds(options.period);
  const evaluations = options.evaluationPeriods;
  issues.atLeast('HALB_ALARM_EVALUATION_PERIODS', 'evaluationPeriods', evaluations, lim.minEvaluationPeriods);
  if (period !== undefined && !isUnresolved(period)) {
    const highResolution = period === 10 || period === 30;
    if (!Number.isInteger(period) || period <= 0 || (!highResolution && period % lim.periodMultipleSeconds !== 0)) {
      issues.add(
        'HALB_ALARM_PERIOD',
        `period is ${period} seconds; allowed: a whole multiple of ${lim.periodMultipleSeconds} seconds (10 and 30 are high-resolution periods these one-minute metrics cannot fill).`,
      );
    } else if (highResolution) {
      warn(
        scope,
        'HALB_W_ALARM_PERIOD_RESOLUTION',
        `${scope.node.path}: alarm period ${period} seconds is shorter than the ${ELB_METRIC_RESOLUTION_SECONDS}-second resolution of ELB and Route 53 metrics; most periods get no data.`,
      );
    }
    const n = evaluations ?? DEFAULT_EVALUATION_PERIODS;
    const max = period < lim.shortPeriodBelowSeconds ? lim.maxEvaluationSecondsShortPeriod : lim.maxEvaluationSeconds;
    if (Number.isInteger(n) && !isUnresolved(n) && period * n > max) {
      issues.add(
        'HALB_ALARM_EVALUATION_WINDOW',
        `period × evaluationPeriods is ${period} × ${n} = ${period * n} seconds; allowed: at most ${max} seconds (${period < lim.shortPeriodBelowSeconds ? 'one day for periods under an hour' : 'seven days'}).`,
      );
    }
  }
  const threshold = options.elb5xxThreshold;
  if (threshold !== undefined && !isUnresolved(threshold) && !(Number.isFinite(threshold) && threshold >= 0)) {
    issues.add('HALB_ALARM_THRESHOLD', `elb5xxThreshold is ${threshold}; allowed: a number of responses, 0 or more.`);
  }
  if (options.p99ResponseTime !== undefined && options.p99ResponseTime.toMilliseconds({ integral: false }) <= 0) {
    issues.add('HALB_ALARM_THRESHOLD', 'p99ResponseTime is 0; allowed: a positive duration.');
  }
}

/** One alarm with the settings all alarms of a load balancer share. */
function alarm(
  scope: Construct,
  id: string,
  metric: cloudwatch.IMetric,
  threshold: number,
  op: cloudwatch.ComparisonOperator,
  description: string,
  options: AlarmOptions,
): cloudwatch.Alarm {
  const a = new cloudwatch.Alarm(scope, id, {
    metric,
    threshold,
    comparisonOperator: op,
    evaluationPeriods: options.evaluationPeriods ?? DEFAULT_EVALUATION_PERIODS,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: description,
  });
  options.alarmActions?.forEach((action) => a.addAlarmAction(action));
  return a;
}

/** Load-balancer wide alarms: ELB 5XX (ALB) and the Route 53 endpoint check (us-east-1 only). */
export function createLoadBalancerAlarms(lb: AlarmSubject, options: AlarmOptions): cloudwatch.Alarm[] {
  const period = options.period ?? DEFAULT_PERIOD;
  const alarms: cloudwatch.Alarm[] = [];
  if (lb.alb) {
    alarms.push(
      alarm(
        lb,
        'Elb5xxAlarm',
        lb.alb.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period, statistic: 'Sum' }),
        options.elb5xxThreshold ?? 10,
        cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        `${lb.node.path}: the load balancer itself answered 5XX (502/503/504: targets failing, missing or slow).`,
        options,
      ),
    );
  }
  const hc = lb.failover?.healthCheck;
  if (hc) {
    const region = Stack.of(lb).region;
    if (Token.isUnresolved(region) || region === ROUTE53_METRICS_REGION) {
      alarms.push(
        alarm(
          lb,
          'Route53HealthCheckAlarm',
          new cloudwatch.Metric({
            namespace: 'AWS/Route53',
            metricName: 'HealthCheckStatus',
            dimensionsMap: { HealthCheckId: hc.attrHealthCheckId },
            period,
            statistic: 'Minimum',
            region: ROUTE53_METRICS_REGION,
          }),
          1,
          cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          `${lb.node.path}: Route 53 sees the endpoint as unhealthy; DNS fails over.`,
          options,
        ),
      );
    } else {
      warn(
        lb,
        'HALB_W_ROUTE53_ALARM_REGION',
        `${lb.node.path}: no alarm on the Route 53 health check from ${region}; Route 53 publishes HealthCheckStatus only in ${ROUTE53_METRICS_REGION}, so create that alarm in a ${ROUTE53_METRICS_REGION} stack.`,
      );
    }
  }
  return alarms;
}

/**
 * Alarms of one target group in use: unhealthy hosts and p99 response time (ALB), healthy and
 * unhealthy hosts (NLB). Lambda target groups have no host counts.
 */
export function createTargetGroupAlarms(
  lb: AlarmSubject,
  tg: HaTargetGroup,
  options: AlarmOptions,
): cloudwatch.Alarm[] {
  if (tg.targetKind === 'lambda') return [];
  const period = options.period ?? DEFAULT_PERIOD;
  const id = tg.node.id;
  const atg = tg.applicationTargetGroup;
  if (atg) {
    return [
      alarm(
        lb,
        `${id}UnhealthyHostsAlarm`,
        atg.metrics.unhealthyHostCount({ period, statistic: 'Maximum' }),
        1,
        cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        `${tg.node.path}: at least one target failed its health checks.`,
        options,
      ),
      alarm(
        lb,
        `${id}P99ResponseTimeAlarm`,
        atg.metrics.targetResponseTime({ period, statistic: 'p99' }),
        (options.p99ResponseTime ?? Duration.seconds(2)).toMilliseconds({ integral: false }) / 1000,
        cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        `${tg.node.path}: p99 target response time is above the threshold.`,
        options,
      ),
    ];
  }
  const ntg = tg.networkTargetGroup!;
  return [
    alarm(
      lb,
      `${id}HealthyHostsAlarm`,
      ntg.metrics.healthyHostCount({ period, statistic: 'Minimum' }),
      1,
      cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      `${tg.node.path}: no healthy target in at least one Availability Zone.`,
      options,
    ),
    alarm(
      lb,
      `${id}UnhealthyHostsAlarm`,
      ntg.metrics.unHealthyHostCount({ period, statistic: 'Maximum' }),
      1,
      cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      `${tg.node.path}: at least one target failed its health checks.`,
      options,
    ),
  ];
}
