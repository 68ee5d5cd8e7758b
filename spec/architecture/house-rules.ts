import { dirname, relative, resolve, sep } from 'node:path';
import { API, SymbolFlags } from 'typescript/unstable/sync';
import {
  isAsExpression,
  isBinaryExpression,
  isCallExpression,
  isClassDeclaration,
  isDeleteExpression,
  isElementAccessExpression,
  isExportDeclaration,
  isExternalModuleReference,
  isIdentifier,
  isImportDeclaration,
  isImportEqualsDeclaration,
  isImportTypeNode,
  isLiteralTypeNode,
  isNamedExports,
  isNamedImports,
  isNewExpression,
  isNonNullExpression,
  isParenthesizedExpression,
  isPostfixUnaryExpression,
  isPrefixUnaryExpression,
  isPropertyAccessExpression,
  isPropertyDeclaration,
  isRegularExpressionLiteral,
  isSatisfiesExpression,
  isStringLiteral,
  isTypeAssertion,
  isTypeReferenceNode,
  isVariableStatement,
  NodeFlags,
  SyntaxKind,
  type Expression,
  type ImportClause,
  type NamedExportBindings,
  type Node,
  type SourceFile,
} from 'typescript/unstable/ast';

/**
 * The house rules, checked with the TypeScript compiler (its API over the installed `typescript`):
 *
 * - `streams-imports`: a file in `streams/` imports rxjs and `streams/` only (no `node:*`, no package).
 * - `module-state`: a file in `streams/` holds no mutable module-level state: no top-level `let` or
 *   `var`, no top-level collection (`new Map/Set/WeakMap/WeakSet/Array...`, but a Map or Set typed
 *   ReadonlyMap/ReadonlySet), no other top-level instance but TextEncoder, TextDecoder and RegExp,
 *   no static class field that is not readonly, and no top-level constant mutated anywhere in
 *   `streams/` or `src/` (assigned a property, `delete`d from, or called with a mutating method;
 *   for a global or sticky regex, `test` and `exec` too, which move its lastIndex). Mutations are
 *   found by symbol, so a local that shadows a constant is no mutation of it; state handed out by a
 *   call (`const x = makeCache()`) or mutated through an alias is beyond a static check.
 * - `layers`: `src/cli` → `src/run` → (`streams/`, `src/drivers`), never back: run imports nothing
 *   from cli, drivers nothing from run or cli (types included).
 * - `driver-imports`: a driver takes from `streams/` only `streams/rx.ts` and types from the bus
 *   contract, `streams/cluster/bus.ts`.
 */
export type Rule = 'streams-imports' | 'module-state' | 'layers' | 'driver-imports';

export interface Violation {
  /** Relative to the checked root, with `/`. */
  readonly file: string;
  readonly line: number;
  readonly rule: Rule;
  readonly message: string;
}

const MUTATING_METHODS = new Set([
  'push',
  'pop',
  'shift',
  'unshift',
  'splice',
  'sort',
  'reverse',
  'fill',
  'copyWithin',
  'set',
  'add',
  'delete',
  'clear',
]);
const MUTATING_STATICS = new Set(['assign', 'defineProperty', 'defineProperties', 'setPrototypeOf']);
/** Constructors whose instances hold entries: state, when made at load. */
const COLLECTIONS = new Set(['Map', 'Set', 'WeakMap', 'WeakSet', 'Array', 'WeakRef', 'FinalizationRegistry']);
const READ_ONLY_COLLECTION_TYPES: Readonly<Record<string, string>> = { Map: 'ReadonlyMap', Set: 'ReadonlySet' };
/** Made once at load and holding no state between calls (a TextDecoder as long as no call passes `stream: true`). */
const STATELESS = new Set(['TextEncoder', 'TextDecoder', 'RegExp']);
const COUNTS = new Set([SyntaxKind.PlusPlusToken, SyntaxKind.MinusMinusToken]);
const ASSIGNMENTS = new Set([
  SyntaxKind.EqualsToken,
  SyntaxKind.PlusEqualsToken,
  SyntaxKind.MinusEqualsToken,
  SyntaxKind.AsteriskEqualsToken,
  SyntaxKind.AsteriskAsteriskEqualsToken,
  SyntaxKind.SlashEqualsToken,
  SyntaxKind.PercentEqualsToken,
  SyntaxKind.LessThanLessThanEqualsToken,
  SyntaxKind.GreaterThanGreaterThanEqualsToken,
  SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken,
  SyntaxKind.AmpersandEqualsToken,
  SyntaxKind.BarEqualsToken,
  SyntaxKind.CaretEqualsToken,
  SyntaxKind.BarBarEqualsToken,
  SyntaxKind.AmpersandAmpersandEqualsToken,
  SyntaxKind.QuestionQuestionEqualsToken,
]);

type Area = 'streams' | 'drivers' | 'run' | 'cli';

interface Import {
  readonly specifier: string;
  /** The file it names, relative to the root, when it is relative. */
  readonly target?: string;
  readonly typeOnly: boolean;
  readonly node: Node;
}

/** A top-level constant: its name where it is declared, and whether it is a regex that keeps a lastIndex. */
interface Constant {
  readonly node: Node;
  readonly name: string;
  readonly regex: boolean;
}

/** A place where something is changed: the identifier it is changed through, and how. */
interface Mutation {
  readonly root: Node;
  readonly how: string;
  /** Only a mutation of a global or sticky regex (`test`, `exec`). */
  readonly regexOnly?: boolean;
}

/** Checks the project whose tsconfig.json is in `root`; returns what breaks the rules, in file order. */
export function checkHouse(root: string): Violation[] {
  const api = new API({ cwd: root });
  try {
    const project = api.updateSnapshot({ openProjects: [resolve(root, 'tsconfig.json')] }).getProjects()[0];
    // The rules are about the code the program ships: streams/ and src/ (libraries and tests are left out).
    const files = project.program
      .getSourceFileNames()
      .filter((name) => /^(streams|src)\//.test(pathOf(root, { fileName: name })))
      .map((name) => project.program.getSourceFile(name))
      .filter((file): file is SourceFile => file !== undefined);
    const violations: Violation[] = [];
    const at = (file: SourceFile, node: Node, rule: Rule, message: string): void => {
      violations.push({ file: pathOf(root, file), line: lineOf(file, node), rule, message });
    };

    const tracked = new Map<number, Constant>();
    for (const file of files) {
      const path = pathOf(root, file);
      const area = areaOf(path);
      if (area) for (const found of importsOf(root, file)) checkImport(area, found, (rule, message) => at(file, found.node, rule, message));
      if (area !== 'streams') continue;
      const constants = topLevelState(file, (node, message) => at(file, node, 'module-state', message));
      const symbols = project.checker.getSymbolAtLocation(constants.map((constant) => constant.node));
      symbols.forEach((symbol, index) => symbol && tracked.set(symbol.id, constants[index]));
    }

    for (const file of files) {
      const mutations = mutationsIn(file);
      const symbols = project.checker.getSymbolAtLocation(mutations.map((mutation) => mutation.root));
      symbols.forEach((found, index) => {
        const symbol = found && found.flags & SymbolFlags.Alias ? project.checker.getAliasedSymbol(found) : found;
        const constant = symbol && tracked.get(symbol.id);
        const mutation = mutations[index];
        if (!constant || (mutation.regexOnly && !constant.regex)) return;
        at(
          file,
          mutation.root,
          'module-state',
          `the module-level constant ${constant.name} is changed (${mutation.how}): state shared by every subscription`,
        );
      });
    }
    return violations.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  } finally {
    api.close();
  }
}

/** One violation a line, as a person reads them in a failed test. */
export function describeViolations(violations: readonly Violation[]): string[] {
  return violations.map((violation) => `${violation.file}:${violation.line} ${violation.rule}: ${violation.message}`);
}

function checkImport(area: Area, found: Import, report: (rule: Rule, message: string) => void): void {
  const { specifier, target, typeOnly } = found;
  const named = target ?? specifier;
  if (area === 'streams') {
    const allowed = target === undefined ? specifier === 'rxjs' || specifier.startsWith('rxjs/') : target.startsWith('streams/');
    if (!allowed) report('streams-imports', `imports ${named}: streams/ imports rxjs and its own files only`);
    return;
  }
  if (target === undefined) return;
  const to = areaOf(target);
  if (area === 'run' && to === 'cli') report('layers', `imports ${target}: run/ must not import cli/ (cli → run → streams, drivers)`);
  if (area === 'drivers' && (to === 'run' || to === 'cli'))
    report('layers', `imports ${target}: a driver must not import ${to}/ (cli → run → streams, drivers)`);
  if (area === 'drivers' && to === 'streams') {
    const allowed = target === 'streams/rx.ts' || (target === 'streams/cluster/bus.ts' && typeOnly);
    if (!allowed)
      report(
        'driver-imports',
        `imports ${typeOnly ? 'types from ' : ''}${target}: a driver takes from streams/ only streams/rx.ts and types from streams/cluster/bus.ts`,
      );
  }
}

/** Every module a file imports or re-exports, statically or with `import()`, with whether only types come. */
function importsOf(root: string, file: SourceFile): Import[] {
  const found: Import[] = [];
  const add = (specifierNode: Node | undefined, typeOnly: boolean, node: Node): void => {
    if (specifierNode === undefined || !isStringLiteral(specifierNode)) return;
    const specifier = specifierNode.text;
    const target = specifier.startsWith('.')
      ? pathOf(root, { fileName: resolve(dirname(file.fileName), specifier.replace(/\.js$/, '.ts')) })
      : undefined;
    found.push({ specifier, target, typeOnly, node });
  };
  const visit = (node: Node): void => {
    if (isImportDeclaration(node)) add(node.moduleSpecifier, importsOnlyTypes(node.importClause), node);
    else if (isExportDeclaration(node)) add(node.moduleSpecifier, node.isTypeOnly || exportsOnlyTypes(node.exportClause), node);
    else if (isImportEqualsDeclaration(node) && isExternalModuleReference(node.moduleReference))
      add(node.moduleReference.expression, node.isTypeOnly, node);
    else if (isImportTypeNode(node) && isLiteralTypeNode(node.argument)) add(node.argument.literal, true, node);
    else if (isCallExpression(node) && node.expression.kind === SyntaxKind.ImportKeyword) add(node.arguments[0], false, node);
    node.forEachChild(visit);
  };
  visit(file);
  return found;
}

function importsOnlyTypes(clause: ImportClause | undefined): boolean {
  if (clause === undefined) return false; // `import 'x'` runs the module
  if (clause.phaseModifier === SyntaxKind.TypeKeyword) return true;
  const bindings = clause.namedBindings;
  return clause.name === undefined && bindings !== undefined && isNamedImports(bindings) && everyTypeOnly(bindings.elements);
}

function exportsOnlyTypes(clause: NamedExportBindings | undefined): boolean {
  return clause !== undefined && isNamedExports(clause) && everyTypeOnly(clause.elements);
}

const everyTypeOnly = (elements: readonly { readonly isTypeOnly: boolean }[]): boolean =>
  elements.length > 0 && elements.every((element) => element.isTypeOnly);

/**
 * Reports top-level bindings and fields that are state by their very form; returns the top-level
 * constants, whose mutation anywhere is state too.
 */
function topLevelState(file: SourceFile, report: (node: Node, message: string) => void): Constant[] {
  const constants: Constant[] = [];
  for (const statement of file.statements) {
    if (isClassDeclaration(statement)) {
      for (const member of statement.members) {
        if (
          isPropertyDeclaration(member) &&
          hasModifier(member, SyntaxKind.StaticKeyword) &&
          !hasModifier(member, SyntaxKind.ReadonlyKeyword)
        ) {
          report(
            member,
            `static field ${nameOf(member.name)} of ${nameOf(statement.name)} is not readonly: state shared by every subscription`,
          );
        }
      }
    }
    if (!isVariableStatement(statement)) continue;
    const list = statement.declarationList;
    const constant = (list.flags & NodeFlags.Const) !== 0;
    for (const declaration of list.declarations) {
      const name = nameOf(declaration.name);
      if (!constant) {
        report(declaration, `top-level ${list.flags & NodeFlags.Let ? 'let' : 'var'} ${name}: state shared by every subscription`);
        continue;
      }
      const value = unwrap(declaration.initializer);
      if (value && isNewExpression(value)) {
        const made = nameOf(value.expression);
        const readOnlyType = READ_ONLY_COLLECTION_TYPES[made];
        const typedReadOnly =
          declaration.type !== undefined && isTypeReferenceNode(declaration.type) && nameOf(declaration.type.typeName) === readOnlyType;
        if (COLLECTIONS.has(made) && !(readOnlyType && typedReadOnly)) {
          report(
            declaration,
            `top-level new ${made} ${name}: state shared by every subscription${readOnlyType ? ` (a lookup table is typed ${readOnlyType})` : ''}`,
          );
        } else if (!COLLECTIONS.has(made) && !STATELESS.has(made)) {
          report(declaration, `top-level new ${made} ${name}: an instance made at load is shared by every subscription`);
        }
      }
      if (isIdentifier(declaration.name)) constants.push({ node: declaration.name, name, regex: isStatefulRegex(value) });
    }
  }
  return constants;
}

/** Where a file changes what an identifier holds: assignments to its properties, `delete`, `++`, mutating calls. */
function mutationsIn(file: SourceFile): Mutation[] {
  const found: Mutation[] = [];
  const target = (expression: Expression | undefined, how: string, regexOnly = false): void => {
    const root = rootOf(expression);
    if (root) found.push({ root, how, regexOnly });
  };
  const visit = (node: Node): void => {
    if (isBinaryExpression(node) && ASSIGNMENTS.has(node.operatorToken.kind) && isMemberAccess(node.left))
      target(node.left, 'a property is assigned');
    else if (
      (isPrefixUnaryExpression(node) || isPostfixUnaryExpression(node)) &&
      COUNTS.has(node.operator) &&
      isMemberAccess(node.operand)
    ) {
      target(node.operand, 'a property is counted');
    } else if (isDeleteExpression(node)) target(node.expression, 'a property is deleted');
    else if (isCallExpression(node)) {
      const callee = unwrap(node.expression);
      if (callee && isPropertyAccessExpression(callee)) {
        const method = nameOf(callee.name);
        if (MUTATING_METHODS.has(method)) target(callee.expression, `.${method}()`);
        if (method === 'test' || method === 'exec') target(callee.expression, `.${method}() moves a global regex's lastIndex`, true);
        if (nameOf(callee.expression) === 'Object' && MUTATING_STATICS.has(method)) target(node.arguments[0], `Object.${method}()`);
      }
    }
    node.forEachChild(visit);
  };
  visit(file);
  return found;
}

/** The identifier a member access, call target or assertion comes down to (`a` of `(a.b as X)[0]`). */
function rootOf(expression: Expression | undefined): Node | undefined {
  let node = unwrap(expression);
  while (node && (isPropertyAccessExpression(node) || isElementAccessExpression(node))) node = unwrap(node.expression);
  return node && isIdentifier(node) ? node : undefined;
}

/** The expression inside parentheses and type assertions. */
function unwrap(node: Expression | undefined): Expression | undefined {
  let inner = node;
  while (
    inner &&
    (isParenthesizedExpression(inner) ||
      isAsExpression(inner) ||
      isSatisfiesExpression(inner) ||
      isNonNullExpression(inner) ||
      isTypeAssertion(inner))
  ) {
    inner = inner.expression;
  }
  return inner;
}

function isMemberAccess(node: Expression): boolean {
  const inner = unwrap(node);
  return inner !== undefined && (isPropertyAccessExpression(inner) || isElementAccessExpression(inner));
}

/** A regex literal or `new RegExp(..., flags)` with the g or y flag: it keeps a lastIndex between calls. */
function isStatefulRegex(value: Expression | undefined): boolean {
  if (value && isRegularExpressionLiteral(value)) return /\/[a-z]*[gy][a-z]*$/.test(value.text);
  if (!value || !isNewExpression(value) || nameOf(value.expression) !== 'RegExp') return false;
  const flags = value.arguments?.[1];
  return flags !== undefined && isStringLiteral(flags) && /[gy]/.test(flags.text);
}

function hasModifier(node: Node & { readonly modifiers?: readonly Node[] }, kind: SyntaxKind): boolean {
  return (node.modifiers ?? []).some((modifier) => modifier.kind === kind);
}

/** The text of a name, an identifier or a string; '' for anything else. */
function nameOf(node: Node | undefined): string {
  return node && (isIdentifier(node) || isStringLiteral(node)) ? node.text : '';
}

function areaOf(path: string): Area | undefined {
  if (path.startsWith('streams/')) return 'streams';
  if (path.startsWith('src/drivers/')) return 'drivers';
  if (path.startsWith('src/run/')) return 'run';
  if (path.startsWith('src/cli/')) return 'cli';
  return undefined;
}

function pathOf(root: string, file: { fileName: string }): string {
  return relative(root, file.fileName).split(sep).join('/');
}

function lineOf(file: SourceFile, node: Node): number {
  const start = node.getStart(file);
  let line = 1;
  for (let at = file.text.indexOf('\n'); at !== -1 && at < start; at = file.text.indexOf('\n', at + 1)) line++;
  return line;
}
