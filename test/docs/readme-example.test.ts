// test/docs/readme-example.test.ts
// The README's Express example compiles against the package's entries, and cannot lose a hold: the guard and the
// review router are given one store, which is a durable one.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The first TypeScript block of a README section. */
function firstTypeScript(heading: string): string {
  const start = README.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section "${heading}"`);
  const block = /```ts\n([\s\S]*?)```/.exec(README.slice(start));
  if (!block) throw new Error(`section "${heading}" has no TypeScript block`);
  return block[1]!;
}

const EXAMPLE = firstTypeScript('## Use it in an Express storefront');

test('the example type-checks against the package entries (src/), as a storefront would write it', () => {
  const file = join(ROOT, 'test', 'docs', '__readme-example__.ts');
  // The storefront's own functions the example calls.
  const own = [
    'declare function placeOrder(order: unknown): void;',
    'declare function fulfil(orderId: string): void;',
    'declare function cancelAndRefund(orderId: string, message: { en: string; id: string }): void;',
  ];
  const source = `${EXAMPLE}\n${own.join('\n')}\nexport {};\n`;
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    baseUrl: ROOT,
    // The package's subpath entries, as its exports map names them.
    paths: { 'checkout-price-guard': ['src/index.ts'], 'checkout-price-guard/*': ['src/*.ts'] },
  };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    name === file ? ts.createSourceFile(name, source, language) : read(name, language, ...rest);
  const program = ts.createProgram([file], options, host);
  // Only the example's own diagnostics: the entries it imports are type-checked by npm run typecheck.
  const example = program.getSourceFile(file)!;
  const problems = [
    ...program.getSyntacticDiagnostics(example),
    ...program.getSemanticDiagnostics(example),
  ].map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
  expect(problems).toEqual([]);
}, 60_000);

test('the guard and the review router share one store, and it is not the in-process one', () => {
  const store = /const (\w+) = new (\w+)\(/.exec(EXAMPLE);
  expect(store?.[2]).toBe('RedisStore');
  const name = store![1]!;
  expect(EXAMPLE).toMatch(new RegExp(`priceGuard\\(\\{[^}]*\\b${name}\\b`));
  expect(EXAMPLE).toMatch(new RegExp(`reviewRouter\\(\\{ ?${name}\\b`));
});

test('the README stays a front door: about 10 kB, the reference in docs/', () => {
  expect(Buffer.byteLength(README)).toBeLessThan(12_000);
});
