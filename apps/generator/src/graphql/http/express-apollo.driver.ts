import { ApolloServer, type BaseContext, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Injectable } from '@nestjs/common';
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import type { GraphQLSchema } from 'graphql';
import type { Server } from 'node:http';

type ContextFn = (args: { req: Request; res: Response }) => Promise<BaseContext>;

/**
 * Express middleware that hands each request to Apollo Server's integration API
 * (`executeHTTPGraphQLRequest`) and writes its answer back.
 *
 * Apollo Server 5 no longer ships an Express middleware; @nestjs/apollo loads it from
 * `@as-integrations/express5`, which this project does not depend on. This is the same few steps
 * (headers in, status/headers/body out, chunked bodies streamed), so the service keeps to the
 * packages it has. Adding that package would let this file and the driver below go.
 */
export function apolloExpressHandler(server: ApolloServer, context: ContextFn): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const query = req.originalUrl.indexOf('?');
    const httpGraphQLRequest: HTTPGraphQLRequest = {
      method: req.method.toUpperCase(),
      headers,
      search: query >= 0 ? req.originalUrl.slice(query) : '',
      // Express 5 leaves `body` undefined when there is none (GET); Apollo wants an object.
      body: (req.body as unknown) ?? {},
    };
    server
      .executeHTTPGraphQLRequest({ httpGraphQLRequest, context: () => context({ req, res }) })
      .then(async (answer) => {
        for (const [name, value] of answer.headers) res.setHeader(name, value);
        res.statusCode = answer.status ?? 200;
        if (answer.body.kind === 'complete') {
          res.send(answer.body.string);
          return;
        }
        for await (const chunk of answer.body.asyncIterator) res.write(chunk);
        res.end();
      })
      .catch(next);
  };
}

/**
 * @nestjs/apollo's driver with the Express mounting above instead of the missing integration
 * package. Everything else (schema building, resolvers, options, plugins) is the stock driver.
 */
@Injectable()
export class ExpressApolloDriver extends ApolloDriver {
  protected override async registerExpress(options: ApolloDriverConfig): Promise<void> {
    const adapter = this.httpAdapterHost.httpAdapter;
    const { schema } = options as ApolloDriverConfig & { schema: GraphQLSchema };
    const server = new ApolloServer<BaseContext>({
      ...(options as object),
      schema,
      plugins: [
        ...(options.plugins ?? []),
        // Lets in-flight operations finish when Nest closes the HTTP server on shutdown.
        ApolloServerPluginDrainHttpServer({ httpServer: adapter.getHttpServer() as Server }),
      ],
    });
    await server.start();
    const context = (options.context ?? (async ({ req }) => ({ req }))) as ContextFn;
    adapter
      .getInstance<Express>()
      .use(options.path ?? '/graphql', apolloExpressHandler(server, context));
    this.apolloServer = server;
  }
}
