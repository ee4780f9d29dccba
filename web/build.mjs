// `make web` (after `npm ci`): bundles web/src into web/static with esbuild. The output is
// deterministic (no timestamps, no absolute paths, sorted inputs), so CI can rebuild it and fail
// when the committed assets drift from the sources and the lockfile.
import { build } from "esbuild";

const common = {
  bundle: true,
  minify: !process.env.PEERGRAPH_WEB_DEBUG,
  format: "esm",
  target: ["es2020"],
  legalComments: "eof",
  charset: "utf8",
  logLevel: "warning",
  absWorkingDir: new URL(".", import.meta.url).pathname,
  define: { "process.env.NODE_ENV": '"production"' },
  loader: { ".graphql": "text" },
};

await build({ ...common, entryPoints: { app: "src/main.js" }, outdir: "static" });
await build({ ...common, entryPoints: { graphiql: "src/graphiql.js" }, outdir: "static" });
