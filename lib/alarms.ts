import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import type { FailoverRecord } from './dns/failover';
import type { HaTargetGroup } from './shared/target-group';
import { ROUTE53_METRICS_REGION } from '@ha-load-balancer/spec';
import { warn } from './shared/errors';

export interface AlarmOptions {
  /**
   * ELB-generated 5XX responses per period that raise the alarm (ALB).
   * @default 10
   */
  readonly elb5xxThreshold?: number;
  /**
   * p99 target response time that raises the alarm (ALB).
   * @default 2 seconds
   */
  readonly p99ResponseTime?: Duration;
  /**
   * Evaluation period.
   * @default 1 minute
   */
  readonly period?: Duration;
  /**
   * Consecutive breaching periods before the alarm fires.
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
  readonly loadBalancer: elbv2.ApplicationLoadBalancer | elbv2.NetworkLoadBalancer;
  readonly targetGroups: readonly HaTargetGroup[];
  readonly failover?: FailoverRecord;
}

export function createAlarms(lb: AlarmSubject, options: AlarmOptions): cloudwatch.Alarm[] {
  const period = options.period ?? Duration.minutes(1);
  const evaluationPeriods = options.evaluationPeriods ?? 3;
  const alarms: cloudwatch.Alarm[] = [];
  const add = (
    id: string,
    metric: cloudwatch.IMetric,
    threshold: number,
    op: cloudwatch.ComparisonOperator,
    description: string,
  ) => {
    const alarm = new cloudwatch.Alarm(lb, id, {
      metric,
      threshold,
      comparisonOperator: op,
      evaluationPeriods,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    options.alarmActions?.forEach((a) => alarm.addAlarmAction(a));
    alarms.push(alarm);
  };

  const isAlb = lb.type === 'application';
  if (isAlb) {
    const alb = lb.loadBalancer as elbv2.ApplicationLoadBalancer;
    add(
      'Elb5xxAlarm',
      alb.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period, statistic: 'Sum' }),
      options.elb5xxThreshold ?? 10,
      cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      `${lb.node.path}: the load balancer itself answered 5XX (502/503/504: targets failing, missing or slow).`,
    );
  }
  for (const tg of lb.targetGroups) {
    if (!tg.inUse || tg.targetKind === 'lambda') continue;
    const id = tg.node.id;
    if (isAlb) {
      const atg = tg.targetGroup as elbv2.ApplicationTargetGroup;
      add(
        `${id}UnhealthyHostsAlarm`,
        atg.metrics.unhealthyHostCount({ period, statistic: 'Maximum' }),
        1,
        cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        `${tg.node.path}: at least one target failed its health checks.`,
      );
      add(
        `${id}P99ResponseTimeAlarm`,
        atg.metrics.targetResponseTime({ period, statistic: 'p99' }),
        (options.p99ResponseTime ?? Duration.seconds(2)).toMilliseconds() / 1000,
        cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        `${tg.node.path}: p99 target response time is above the threshold.`,
      );
    } else {
      const ntg = tg.targetGroup as elbv2.NetworkTargetGroup;
      add(
        `${id}HealthyHostsAlarm`,
        ntg.metrics.healthyHostCount({ period, statistic: 'Minimum' }),
        1,
        cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        `${tg.node.path}: no healthy target in at least one Availability Zone.`,
      );
      add(
        `${id}UnhealthyHostsAlarm`,
        ntg.metrics.unHealthyHostCount({ period, statistic: 'Maximum' }),
        1,
        cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        `${tg.node.path}: at least one target failed its health checks.`,
      );
    }
  }

  const hc = lb.failover?.healthCheck;
  if (hc) {
    const region = Stack.of(lb).region;
    if (Token.isUnresolved(region) || region === ROUTE53_METRICS_REGION) {
      add(
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
