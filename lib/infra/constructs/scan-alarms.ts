/**
 * Operator alarms: a poisoned scan request, or anything sitting in a
 * dead-letter queue, is a defect someone must look at.
 */
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from './scanner-function.js';

/** Props of {@link ScanAlarms}. */
export interface ScanAlarmsProps {
  /**
   * Where alarms go. Not the findings topic: its subscriptions filter on
   * the `severity` message attribute, which CloudWatch alarm messages do
   * not carry, and its chat subscribers parse scan results, not alarms.
   */
  readonly alarmTopic: ITopic;
  /** Powertools `service` of the dlq-recorder, which emits `PoisonMessages`. */
  readonly recorderService: string;
  /** Dead-letter queues whose contents mean lost work, by name. */
  readonly deadLetterQueues: Readonly<Record<string, IQueue>>;
}

// Five minutes: the shortest standard-resolution period that still groups
// a burst of poisoned messages into one notification.
const PERIOD = Duration.minutes(5);

/**
 * One alarm on the dlq-recorder's `PoisonMessages` metric and one per
 * dead-letter queue, each notifying the alarm topic.
 *
 * @example
 * new ScanAlarms(this, 'Alarms', { alarmTopic, recorderService: 'dlq-recorder', deadLetterQueues: { Scan: dlq } });
 */
export class ScanAlarms extends Construct {
  /** Fires when the dlq-recorder records any poisoned scan request. */
  readonly poisonMessages: Alarm;
  /** Fires when a dead-letter queue holds a message. */
  readonly deadLetters: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ScanAlarmsProps) {
    super(scope, id);
    const action = new SnsAction(props.alarmTopic);
    this.poisonMessages = new Alarm(this, 'PoisonMessages', {
      alarmDescription:
        'a scan request failed 5 times and was recorded as an error scan',
      metric: new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: 'PoisonMessages',
        dimensionsMap: { service: props.recorderService },
        statistic: 'Sum',
        period: PERIOD,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No poisoned messages means no data points, which is healthy.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.poisonMessages.addAlarmAction(action);
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      const alarm = new Alarm(this, `${name}DeadLetters`, {
        alarmDescription: `the ${name} dead-letter queue holds messages`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          statistic: 'Maximum',
          period: PERIOD,
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator:
          ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      this.deadLetters.push(alarm);
    }
  }
}
