import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Entity, PrimaryColumn, Column } from 'typeorm';
import { DateColumn } from '../../db/columns';

/** What an API key may do; see the role table in the README. */
export enum Role {
  ADMIN = 'ADMIN',
  MARKETING = 'MARKETING',
  SALES = 'SALES',
  PARTNER = 'PARTNER',
  VIEWER = 'VIEWER',
}
registerEnumType(Role, { name: 'Role' });

/** An API key; only the SHA-256 of its secret is stored. */
@ObjectType()
@Entity('api_keys')
export class ApiKey {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Field(() => String)
  @Column({ type: 'varchar', length: 191 })
  name: string;

  @Field(() => Role)
  @Column({ type: 'varchar', length: 16 })
  role: Role;

  @Field(() => ID, { nullable: true })
  @Column({ name: 'partner_id', type: 'varchar', length: 36, nullable: true })
  partnerId: string | null;

  @Field(() => ID, {
    nullable: true,
    description: 'The owner this key acts for: transitions, qualifications and assignments it makes name that owner.',
  })
  @Column({ name: 'owner_id', type: 'varchar', length: 36, nullable: true })
  ownerId: string | null;

  @Column({ name: 'secret_hash', type: 'varchar', length: 64 })
  secretHash: string;

  /** The key ADMIN_API_KEY set: there is at most one active; a new value revokes it (AccessService.bootstrap). */
  @Column({ name: 'from_env', type: 'boolean', default: false })
  fromEnv: boolean;

  @Field(() => Date)
  @DateColumn('created_at')
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  @DateColumn('last_used_at', { nullable: true })
  lastUsedAt: Date | null;

  @Field(() => Date, { nullable: true })
  @DateColumn('revoked_at', { nullable: true })
  revokedAt: Date | null;
}
