// The layers of src/ and the imports allowed between them, written once (docs/architecture.md#layers).
// `npm run lint:layers` checks them (part of `npm test`); test/layers.test.ts proves the check bites.
//
//   cli (the process entry: the `grantline` command)
//     └─ app (composition root: builds the hub, sign-in, the notifier, the server and Autopilot)
//          └─ http
//               └─ graph · oauth · auth · autopilot · notify · simulator · demo   (siblings: no imports between them)
//                    └─ web   (HTTP pieces every surface shares: the bearer-token and session checks,
//                         │    the Graph-style error answer, streamed progress, the card pages' style)
//                         └─ hub/<domain>   (authorization and visibility only in hub/access)
//                              └─ store · jobs
//                                   └─ base: src/*.ts, config, crypto, net, mail
//
// The CLI may also import every layer below app directly, as its commands did before app existed.
//
// A lower box never imports a higher one; siblings talk through the layer below or through ports.
// Autopilot's engine is pure: it imports base only. Autopilot's store (its schema type and
// repositories, autopilot/store) sits at the store's level: it imports base and store only, and
// only Autopilot, app and cli import it.
//
// Tests (*.test.ts) may import any layer; nothing in src/ imports test/.

/** @type {Record<string, string>} layer name → path pattern */
const LAYERS = {
  base: "^src/([^/]+\\.ts$|config/|crypto/|net/|mail/)",
  jobs: "^src/jobs/",
  store: "^src/store/",
  web: "^src/web/",
  hub: "^src/hub/",
  graph: "^src/graph/",
  oauth: "^src/oauth/",
  auth: "^src/auth/",
  autopilotEngine: "^src/autopilot/engine/",
  autopilotBench: "^src/autopilot/bench/",
  autopilotStore: "^src/autopilot/store/",
  autopilot: "^src/autopilot/(?!engine/|bench/|store/)",
  notify: "^src/notify/",
  simulator: "^src/simulator/",
  demo: "^src/demo/",
  http: "^src/http/",
  cli: "^src/cli/",
  app: "^src/app/",
};

const BELOW_DOMAINS = ["base", "jobs", "store"];
const DOMAIN_LEVEL = [...BELOW_DOMAINS, "hub"];
/** What the siblings may import: the domains, and the HTTP pieces they all answer with. */
const SIBLING_BASE = [...DOMAIN_LEVEL, "web"];
const SIBLINGS = ["graph", "oauth", "auth", "autopilot", "notify", "simulator", "demo"];

/** @type {Record<string, string[]>} layer → the layers it may import (besides itself) */
const ALLOWED = {
  base: ["base"],
  jobs: ["base", "store"],
  store: ["base"],
  web: DOMAIN_LEVEL,
  hub: DOMAIN_LEVEL,
  graph: SIBLING_BASE,
  oauth: SIBLING_BASE,
  auth: SIBLING_BASE,
  autopilotEngine: ["base"],
  autopilotStore: ["base", "store"],
  autopilot: [...SIBLING_BASE, "autopilotEngine", "autopilotStore"],
  // The benchmark harness runs the engine against the simulated market.
  autopilotBench: [...DOMAIN_LEVEL, "autopilotEngine", "simulator"],
  notify: SIBLING_BASE,
  simulator: SIBLING_BASE,
  demo: SIBLING_BASE,
  http: [...SIBLING_BASE, ...SIBLINGS, "autopilotEngine", "autopilotBench"],
  cli: [...SIBLING_BASE, ...SIBLINGS, "autopilotEngine", "autopilotBench", "autopilotStore", "http", "app"],
  // The composition root builds and wires every layer; the CLI (the process entry) calls it.
  app: Object.keys(LAYERS).filter((name) => name !== "cli"),
};

/**
 * Imports allowed across the layers as exceptions, each for exactly one file → one file, with the
 * reason and the way out (docs/architecture.md#layers). None today; the list only shrinks, so a new
 * import across the layers fails the check.
 */
const EXCEPTIONS = [];

const TESTS = "\\.test\\.ts$";

function layerRules() {
  const rules = [];
  for (const [layer, path] of Object.entries(LAYERS)) {
    const allowed = [path, ...ALLOWED[layer].map((name) => LAYERS[name])];
    const own = EXCEPTIONS.filter((e) => new RegExp(path).test(e.from));
    const excepted = own.map((e) => `^${escapeRegExp(e.from)}$`);
    rules.push({
      name: `layer-${layer}`,
      comment: `${layer} may import: ${ALLOWED[layer].join(", ")} (see .dependency-cruiser.cjs)`,
      severity: "error",
      from: { path, pathNot: [TESTS, ...excepted] },
      to: { path: "^src/", pathNot: allowed },
    });
    for (const from of new Set(own.map((e) => e.from))) {
      const targets = own.filter((e) => e.from === from).map((e) => `^${escapeRegExp(e.to)}$`);
      rules.push({
        name: `layer-${layer}`,
        comment: `${layer} may import: ${ALLOWED[layer].join(", ")}; ${from} has listed exceptions`,
        severity: "error",
        from: { path: `^${escapeRegExp(from)}$` },
        to: { path: "^src/", pathNot: [...allowed, ...targets] },
      });
    }
  }
  return rules;
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}


/**
 * The Graph router's types name its registry (type-only imports of GraphRegistry from graphTypes.ts
 * and graphRender.ts), so these files form cycles among themselves; a cycle that reaches any other
 * file still fails. Goes when GraphRegistry's shape moves to graphTypes.ts.
 */
const GRAPH_ROUTER_CYCLE = "^src/graph/(graphRoutes|graphTypes|graphRender|graphUsage|fieldCoverage)\\.ts$";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "No import cycles in src/ (type-only imports count: they knot the modules together too).",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true, via: { pathNot: GRAPH_ROUTER_CYCLE } },
    },
    {
      name: "graph-asks-hub-access",
      comment:
        "The Graph layer asks hub/access only through callerAccess.ts (named decisions taking the hub and the caller's context), " +
        "never the engine or the rule modules themselves; type-only imports (AccessIndex, AccessChange) are fine. " +
        "test/layers/layers.test.ts also checks that src/graph calls none of the engine's rule primitives through the hub.",
      severity: "error",
      from: { path: "^src/graph/", pathNot: TESTS },
      to: { path: "^src/hub/access/", pathNot: "^src/hub/access/callerAccess\\.ts$", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "no-test-imports",
      comment: "src/ never imports test/.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^test/" },
    },
    ...layerRules(),
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: ["node_modules", "^test/"] },
    exclude: { path: ["node_modules"] },
  },
};

