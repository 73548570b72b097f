// The layers of src/ and the imports allowed between them, written once (docs/architecture.md#layers).
// `npm run lint:layers` checks them (part of `npm test`); test/layers.test.ts proves the check bites.
//
//   cli (the process entry: the `grantline` command)
//     └─ app (composition root: builds the hub, sign-in, the notifier, the server and Autopilot)
//          └─ http
//               └─ graph · oauth · auth · autopilot · notify · simulator · demo   (siblings: no imports between them)
//                    └─ hub/<domain>   (authorization and visibility only in hub/access)
//                         └─ store · jobs
//                              └─ base: src/*.ts, config, crypto, net, mail
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
const SIBLINGS = ["graph", "oauth", "auth", "autopilot", "notify", "simulator", "demo"];

/** @type {Record<string, string[]>} layer → the layers it may import (besides itself) */
const ALLOWED = {
  base: ["base"],
  jobs: ["base", "store"],
  store: ["base"],
  hub: DOMAIN_LEVEL,
  graph: DOMAIN_LEVEL,
  oauth: DOMAIN_LEVEL,
  auth: DOMAIN_LEVEL,
  autopilotEngine: ["base"],
  autopilotStore: ["base", "store"],
  autopilot: [...DOMAIN_LEVEL, "autopilotEngine", "autopilotStore"],
  // The benchmark harness runs the engine against the simulated market.
  autopilotBench: [...DOMAIN_LEVEL, "autopilotEngine", "simulator"],
  notify: DOMAIN_LEVEL,
  simulator: DOMAIN_LEVEL,
  demo: DOMAIN_LEVEL,
  http: [...DOMAIN_LEVEL, ...SIBLINGS, "autopilotEngine", "autopilotBench"],
  cli: [...DOMAIN_LEVEL, ...SIBLINGS, "autopilotEngine", "autopilotBench", "autopilotStore", "http", "app"],
  // The composition root builds and wires every layer; the CLI (the process entry) calls it.
  app: Object.keys(LAYERS).filter((name) => name !== "cli"),
};

/**
 * Imports that break the layers today, each allowed for exactly one file → one file, with the
 * reason and the way out. This list only shrinks: a new import across the layers fails the check.
 * Listed in docs/architecture.md#layers.
 */
const EXCEPTIONS = [
  // The Graph surface presents app connections by calling oauth's services directly; they go when
  // those services are reached through the hub or a port.
  { from: "src/graph/nodes/appConnectionEdges.ts", to: "src/oauth/appAccess.service.ts" },
  { from: "src/graph/nodes/appConnectionEdges.ts", to: "src/oauth/consentPage.ts" },
  // The streamed-progress helper sits in http/; it belongs in a low-level module.
  { from: "src/graph/nodes/reviewEdges.ts", to: "src/http/progressStream.ts" },
  { from: "src/autopilot/app/routes.ts", to: "src/http/progressStream.ts" },
  // OAuth's pages reuse the console's session (auth) and Meta's token endpoints reuse the Graph's
  // token check; both go when sessions and bearer tokens are checked in one module below them.
  { from: "src/oauth/consoleRoutes.ts", to: "src/auth/authRoutes.ts" },
  { from: "src/oauth/oauthRoutes.ts", to: "src/auth/authRoutes.ts" },
  { from: "src/oauth/metaRoutes.ts", to: "src/graph/graphAuth.ts" },
  { from: "src/oauth/appAccess.service.ts", to: "src/notify/raiseAlert.ts" },
  // Autopilot's OAuth callback answers with the OAuth pages' card; goes when the page style sits in a
  // low-level module.
  { from: "src/autopilot/app/connectRoutes.ts", to: "src/oauth/pageStyle.ts" },
];

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

