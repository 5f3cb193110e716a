/** Conversion metrics (funnel, stage-to-stage conversion, velocity). */
import { DataSource } from 'typeorm';

export class MetricsService {
  constructor(private readonly ds: DataSource) {}
}
