import pg from "pg";
import { dropPostgresSchema } from "../../src/store/database.ts";
import { SCHEMA_PREFIX, workerOfSchema } from "./storePool.ts";

/** Whether a process of this id is running on this machine. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * At the end of a run, drops the PostgreSQL schemas test workers kept for reuse (`storePool.ts`):
 * those of every worker that has ended, this run's and any earlier run's that ended abruptly, and
 * none of a run still going.
 */
export async function teardown(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let schemas: string[];
  try {
    const { rows } = await client.query<{ name: string }>("select nspname as name from pg_namespace where nspname like $1", [`${SCHEMA_PREFIX}%`]);
    schemas = rows.map((row) => row.name);
  } finally {
    await client.end();
  }
  for (const schema of schemas) {
    const worker = workerOfSchema(schema);
    if (worker !== undefined && !running(worker)) await dropPostgresSchema(url, schema);
  }
}
