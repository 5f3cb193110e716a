/** The metrics module's public face: what other modules and the server may use. */
export { MetricsResolver } from './metrics.resolver';
export { MetricsService } from './metrics.service';
