/** CloudWatch metric names (docs/aws-behaviour.md §5.6, §6.7). */

export const ALB_NAMESPACE = 'AWS/ApplicationELB';
export const NLB_NAMESPACE = 'AWS/NetworkELB';

export const ALB_LB_METRICS = [
  'ActiveConnectionCount',
  'NewConnectionCount',
  'RequestCount',
  'NonStickyRequestCount',
  'ProcessedBytes',
  'HTTPCode_ELB_3XX_Count',
  'HTTPCode_ELB_4XX_Count',
  'HTTPCode_ELB_5XX_Count',
  'HTTPCode_ELB_500_Count',
  'HTTPCode_ELB_502_Count',
  'HTTPCode_ELB_503_Count',
  'HTTPCode_ELB_504_Count',
  'HTTP_Fixed_Response_Count',
  'HTTP_Redirect_Count',
  'RuleEvaluations',
  'DesyncMitigationMode_NonCompliant_Request_Count',
  'DroppedInvalidHeaderRequestCount',
  'ForwardedInvalidHeaderRequestCount',
] as const;

export const ALB_TG_METRICS = [
  'HealthyHostCount',
  'UnHealthyHostCount',
  'RequestCountPerTarget',
  'TargetConnectionErrorCount',
  'TargetResponseTime',
  'HTTPCode_Target_2XX_Count',
  'HTTPCode_Target_3XX_Count',
  'HTTPCode_Target_4XX_Count',
  'HTTPCode_Target_5XX_Count',
  'UnhealthyRoutingRequestCount',
] as const;

/** `AWS/NetworkELB` metrics with the `LoadBalancer` dimension (§6.7); flows and bytes also per protocol. */
export const NLB_LB_METRICS = [
  'ActiveFlowCount',
  'ActiveFlowCount_TCP',
  'ActiveFlowCount_TLS',
  'ActiveFlowCount_UDP',
  'NewFlowCount',
  'NewFlowCount_TCP',
  'NewFlowCount_TLS',
  'NewFlowCount_UDP',
  'ProcessedBytes',
  'ProcessedBytes_TCP',
  'ProcessedBytes_TLS',
  'ProcessedBytes_UDP',
  'TCP_Client_Reset_Count',
  'TCP_ELB_Reset_Count',
  'TCP_Target_Reset_Count',
] as const;

/** `AWS/NetworkELB` metrics with the `TargetGroup` dimension (§6.7). */
export const NLB_TG_METRICS = ['HealthyHostCount', 'UnHealthyHostCount', 'UnhealthyRoutingFlowCount'] as const;

export const NLB_METRICS = [...NLB_LB_METRICS, ...NLB_TG_METRICS] as const;

/**
 * CloudWatch alarms (PutMetricAlarm): `Period` is 10, 20, 30 or a multiple of 60 seconds, and
 * `EvaluationPeriods` at least 1; `Period × EvaluationPeriods` is at most one day when the period is
 * under an hour, else at most seven days.
 */
export const CLOUDWATCH_ALARM_LIMITS = {
  highResolutionPeriodsSeconds: [10, 20, 30],
  periodMultipleSeconds: 60,
  minEvaluationPeriods: 1,
  shortPeriodBelowSeconds: 3600,
  maxEvaluationSecondsShortPeriod: 86400,
  maxEvaluationSeconds: 604800,
} as const;

/** ELB (`AWS/ApplicationELB`, `AWS/NetworkELB`) and Route 53 health-check metrics arrive once a minute. */
export const ELB_METRIC_RESOLUTION_SECONDS = 60;
