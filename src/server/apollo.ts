/** Apollo Server for GraphQL over HTTP, behind the execution gate's rules, formatError and plugins. */
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config/config';
import type { Context } from '../graphql/context';
import { type ExecutionGate, MAX_TOKENS } from './execution';
import { observabilityPlugin } from './observability';

/** Builds and starts Apollo; the HTTP route hands it each /graphql request (graphql-http.ts). */
export async function startApollo(
  schema: GraphQLSchema,
  gate: ExecutionGate,
  config: Config,
): Promise<ApolloServer<Context>> {
  const { guards } = config;
  const apollo = new ApolloServer<Context>({
    schema,
    // Every call carries Authorization, a header no browser sends cross-site without a CORS preflight:
    // counting it as the preflight marker lets urql's GET queries through (docs/ui.md).
    csrfPrevention: { requestHeaders: ['authorization', 'x-apollo-operation-name', 'apollo-require-preflight'] },
    introspection: guards.introspection,
    hideSchemaDetailsFromClientErrors: !guards.suggestions,
    validationRules: gate.extraRules,
    parseOptions: { maxTokens: MAX_TOKENS },
    includeStacktraceInErrorResponses: !config.production,
    formatError: gate.formatError,
    // main.ts owns SIGTERM/SIGINT: Apollo's own handler would re-raise the signal and cut the shutdown short.
    stopOnTerminationSignals: false,
    plugins: [
      gate.apolloPlugin(),
      observabilityPlugin((entry) => gate.record(entry)),
      // Browsers get the bundled explorer instead (explorer/explorer.ts): Apollo's landing page loads from a CDN.
      ApolloServerPluginLandingPageDisabled(),
      // No cache hints are set: its per-field hook would only cost every field a call.
      ApolloServerPluginCacheControlDisabled(),
    ],
  });
  await apollo.start();
  return apollo;
}
