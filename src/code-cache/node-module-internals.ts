import Module from 'node:module';

/** The CommonJS loader's own parts that the code cache takes over for a while; Node.js has them all, undocumented. */
export interface LoaderModule {
  exports: unknown;
  require(id: string): unknown;
}

export type CompileMethod = (this: LoaderModule, content: string, filename: string, ...rest: unknown[]) => unknown;

export interface Loader {
  prototype: { _compile: CompileMethod };
  wrap(script: string): string;
  _resolveFilename(request: string, parent: LoaderModule, isMain: boolean, options?: unknown): string;
  _resolveLookupPaths(request: string, parent: LoaderModule): string[] | null;
  _extensions: Record<string, unknown>;
  _cache: Record<string, unknown>;
  enableCompileCache?: unknown;
}

export const loader = Module as unknown as Loader;
