/**
 * Preloaded into Pulumi's Node.js processes by scripts/lab.sh (NODE_OPTIONS=--require): in the dynamic
 * provider's process only, `require("typescript")` returns a stand-in that loads TypeScript's compiler on
 * first use. Pulumi's SDK loads the compiler at start-up for its closure serializer, which the provider
 * never runs (it only runs the steps' code the program serialized), and loading it was 0.4-0.5 s of the
 * provider's 1.1-1.3 s start on our 2-core machines: time every `pulumi destroy` and the start of every
 * `pulumi up` waited for. Every other process (Pulumi's language host, which does serialize) is untouched.
 */
const Module = require("node:module");

const PROVIDER_ENTRY = /[\\/]@pulumi[\\/]pulumi[\\/]cmd[\\/]dynamic-provider[\\/]index\.js$/;

if (PROVIDER_ENTRY.test(process.argv[1] ?? "")) {
  const load = Module._load;
  let compiler;
  Module._load = function (request, parent, isMain) {
    if (request !== "typescript") return load.apply(this, arguments);
    const real = () => (compiler ??= load.call(this, request, parent, isMain));
    return new Proxy(
      {},
      {
        get: (_, key) => Reflect.get(real(), key),
        has: (_, key) => Reflect.has(real(), key),
        ownKeys: () => Reflect.ownKeys(real()),
        getOwnPropertyDescriptor: (_, key) => {
          const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
          // A proxy may not report a property as non-configurable that its (empty) target lacks.
          return descriptor && { ...descriptor, configurable: true };
        },
      },
    );
  };
}
