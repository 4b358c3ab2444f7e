// tsyringe reads constructor parameter types from reflect-metadata, and refuses to load
// without it: importing the decorators from here loads the polyfill first, whichever
// module is imported first (a unit test imports a class directly, not the root).
import 'reflect-metadata';

export { inject, injectable } from 'tsyringe';

declare const tokenType: unique symbol;

/**
 * An injection token that carries the type of what it stands for. The phantom member is
 * invariant, so `resolve(TOKENS.logger)` is a `Logger` and registering a config under it
 * does not compile. (A parameter decorator cannot be checked against its parameter's
 * type — TypeScript gives it only the index — so `@inject(TOKENS.x)` stays as written.)
 */
export type Token<T> = symbol & { readonly [tokenType]: (value: T) => T };

/** A class the container can build or hold; it is its own token. */
// biome-ignore lint/suspicious/noExplicitAny: any constructor signature
export type Class<T> = abstract new (...args: any[]) => T;

/** A new token for a value or an interface. */
export function token<T>(name: string): Token<T> {
  return Symbol(name) as Token<T>;
}

/** What the composition root lends out: the one instance behind a token or a class. */
export type Resolve = <T>(key: Token<T> | Class<T>) => T;
