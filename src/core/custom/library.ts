// src/core/custom/library.ts
// The CEL library (@marcbachmann/cel-js), loaded the first time a policy has custom rules, and what it exports.

/** The library's module (it ships ES modules only; Node 20.19 and later load those with require). */
export type CelLibrary = typeof import('@marcbachmann/cel-js', { with: { 'resolution-mode': 'import' }});
/** A CEL environment: declared types and variables, and the functions expressions may call. */
export type CelEnvironment = InstanceType<CelLibrary['Environment']>;
/** A parsed expression: call it with a context to evaluate it. */
export type CelProgram = ReturnType<CelEnvironment['parse']>;
/** A node of a parsed expression. */
export type CelNode = CelProgram['ast'];

let loaded: CelLibrary | undefined;

/**
 * The CEL library, required on first use so that a guard without custom rules never loads it. Throws an Error
 * that says what to do when the running Node cannot load it (Node 20 before 20.19 cannot require ES modules).
 */
export function celLibrary(): CelLibrary {
  if (loaded === undefined) {
    try {
      loaded = require('@marcbachmann/cel-js') as CelLibrary;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ERR_REQUIRE_ESM' || code === 'ERR_REQUIRE_ASYNC_MODULE') {
        throw new Error(
          `custom rules need Node.js 20.19 or later (this is ${process.version}): upgrade Node, or remove customRules`,
        );
      }
      throw error;
    }
  }
  return loaded;
}
