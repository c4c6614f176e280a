/**
 * The Powertools utilities every function shares, built once per cold
 * start: structured logs with correlation ids, EMF metrics, X-Ray traces.
 * Service name and namespace come from the standard POWERTOOLS_* variables
 * the CDK construct sets.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

export const logger = new Logger({ serviceName: 'archscan' });
export const metrics = new Metrics({
  namespace: 'archscan',
  serviceName: 'archscan',
});
export const tracer = new Tracer({ serviceName: 'archscan' });
