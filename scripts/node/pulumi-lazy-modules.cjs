/**
 * Preloaded into Pulumi's Node.js processes by scripts/lab.sh (NODE_OPTIONS=--require): `require` of a
 * module Pulumi's SDK loads at start-up but the process does not use returns a stand-in that loads the
 * module on first use. The SDK loads both below for its closure serializer, whatever the program:
 * - TypeScript's compiler (parsing the functions it serializes): the language host serializes the steps'
 *   code, the dynamic provider only runs it. Deferred in the dynamic provider's process.
 * - npm's Arborist (finding the packages a closure needs, `computeCodePaths`, for function packages such as
 *   a cloud function's): neither process uses it for a dynamic provider. Deferred in both.
 * Loading them was 0.4-0.5 s (TypeScript) and 0.25 s (Arborist) of the provider's start on our 2-core
 * machines, time every `pulumi destroy` and the start of every `pulumi up` waited for, and 0.25 s of the
 * language host's before the program runs. Any other Node process (npm, ts-node, tests) is untouched.
 */
const Module = require("node:module");

const DEFERRED_BY_ENTRY = [
  { entry: /[\\/]@pulumi[\\/]pulumi[\\/]cmd[\\/]dynamic-provider[\\/]index\.js$/, modules: ["typescript", "@npmcli/arborist"] },
  { entry: /[\\/]@pulumi[\\/]pulumi[\\/]cmd[\\/]run[\\/]index\.js$/, modules: ["@npmcli/arborist"] },
];

/**
 * Stands in for a module until anything of it is used. It says it is an ES module namespace without
 * loading anything, so that TypeScript's import helpers (`__importStar`) hand it on as it is instead of
 * copying every property (which would load the module at once); every other question goes to the module.
 */
function standIn(load) {
  let real;
  const module = () => (real ??= load());
  return new Proxy(
    {},
    {
      get: (_, key) => (key === "__esModule" && real === undefined ? true : Reflect.get(module(), key)),
      has: (_, key) => Reflect.has(module(), key),
      ownKeys: () => Reflect.ownKeys(module()),
      getOwnPropertyDescriptor: (_, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(module(), key);
        // A proxy may not report a property as non-configurable that its (empty) target lacks.
        return descriptor && { ...descriptor, configurable: true };
      },
    },
  );
}

const deferred = new Set(DEFERRED_BY_ENTRY.find(({ entry }) => entry.test(process.argv[1] ?? ""))?.modules ?? []);
if (deferred.size > 0) {
  const load = Module._load;
  const standIns = new Map();
  Module._load = function (request, parent, isMain) {
    if (!deferred.has(request)) return load.apply(this, arguments);
    const made = standIns.get(request) ?? standIn(() => load.call(this, request, parent, isMain));
    standIns.set(request, made);
    return made;
  };
}
