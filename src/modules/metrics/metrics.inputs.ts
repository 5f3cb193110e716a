/** The argument enum of conversionMetrics (the contract's MetricsGroupBy). */
import { registerEnumType } from 'type-graphql';

/** How conversionMetrics groups its answer. */
export enum MetricsGroupBy {
  NONE = 'NONE',
  SOURCE = 'SOURCE',
  OWNER = 'OWNER',
  PARTNER = 'PARTNER',
  WEEK = 'WEEK',
  MONTH = 'MONTH',
}
registerEnumType(MetricsGroupBy, { name: 'MetricsGroupBy' });
