/**
 * Entity column helpers shared by every entity, so timestamps and JSON map the
 * same way on SQLite and MySQL (UTC, millisecond precision).
 */
import { Column, type ColumnOptions } from 'typeorm';

/** A UTC datetime with millisecond precision (`datetime(3)` on MySQL). */
export function DateColumn(name: string, options: ColumnOptions = {}): PropertyDecorator {
  return Column({ name, type: 'datetime', precision: 3, ...options });
}

/** A JSON document; `simple-json` parses both the text SQLite returns and the objects MySQL returns. */
export function JsonColumn(name: string, options: ColumnOptions = {}): PropertyDecorator {
  return Column({ name, type: 'simple-json', nullable: true, ...options });
}
