/**
 * archscan's AWS infrastructure as a construct library.
 *
 * @example
 * import { ArchScanner } from 'archscan/lib/infra';
 * new ArchScanner(stack, 'Scanner', { emails: ['team@example.com'] });
 */
export { ArchScanner } from './constructs/arch-scanner.js';
export {
  FINDINGS_INDEXES,
  FindingsTable,
} from './constructs/findings-table.js';
export { FindingsTopic, severitiesFrom } from './constructs/findings-topic.js';
export { HistoryApi } from './constructs/history-api.js';
export { ReportsBucket } from './constructs/reports-bucket.js';
export { ScanAlarms } from './constructs/scan-alarms.js';
export { ECR_PUSH_PATTERN, ScanQueue } from './constructs/scan-queue.js';
export {
  METRICS_NAMESPACE,
  ScannerFunction,
} from './constructs/scanner-function.js';
export {
  ecrRegistryHost,
  WEBHOOK_METHOD_OPTIONS,
  WEBHOOK_ROUTE,
  WebhookIntake,
  type WebhookIntakeProps,
} from './constructs/webhook-intake.js';
export { LAMBDA_ENV } from './env-names.js';
export { InfraConfigError } from './errors.js';
export { applyNagPacks } from './nag.js';
export {
  type ArchScannerProps,
  type ChatNotifications,
  DEFAULT_PLATFORM_RULES,
  type NotifySeverity,
  type PlatformRule,
  type ResolvedArchScannerProps,
  resolveArchScannerProps,
} from './props.js';
export {
  ArchScanStack,
  type ArchScanStackProps,
} from './stacks/archscan-stack.js';
export {
  PROVIDER_NAMES,
  type ProviderName,
  type ResolvedWebhookProps,
  resolveWebhookProps,
  type WebhookProps,
} from './webhook-props.js';
