/** Relay-style connection types with the contract's names, built from one generic. */
import { ClassType, Field, Int, ObjectType } from 'type-graphql';
import { Page } from './pagination';

@ObjectType({ simpleResolvers: true })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage: boolean;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

/** The edge and connection classes for one node type. */
export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** Declares `<Name>Edge` and `<Name>Connection` for a node class. */
export function connectionTypes<T extends object>(name: string, node: ClassType<T>) {
  @ObjectType(`${name}Edge`, { description: `A ${name} and its cursor.`, simpleResolvers: true })
  class Edge {
    @Field(() => String, { description: 'Pass it as `after` to read the rows after this one.' })
    cursor: string;

    @Field(() => node, { description: 'The row.' })
    node: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} rows.`, simpleResolvers: true })
  class Connection implements ConnectionShape<T> {
    @Field(() => [Edge], { description: "This page's rows, in order." })
    edges: Edge[];

    @Field(() => PageInfo, { description: 'Whether more rows follow, and the cursor to ask for them.' })
    pageInfo: PageInfo;

    @Field(() => Int, { description: 'Rows matching, over all pages.' })
    totalCount: number;
  }
  return Connection;
}

/** Turns a service Page into a connection object. */
export function toConnection<T>(page: Page<T>): ConnectionShape<T> {
  return {
    edges: page.nodes.map((node, i) => ({ node, cursor: page.cursors[i] })),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      endCursor: page.cursors.length ? page.cursors[page.cursors.length - 1] : null,
    },
    totalCount: page.totalCount,
  };
}
