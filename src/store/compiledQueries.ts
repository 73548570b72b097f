import { CompiledQuery, type Compilable } from "kysely";
import type { Executor } from "./database.ts";

/** A named placeholder given to a query builder in place of a value; filled in at execution. */
export class QueryParam {
  constructor(readonly name: string) {}
}

interface Template {
  sql: string;
  names: (string | undefined)[];
  constants: unknown[];
}

/**
 * Hot read queries built and compiled once per shape instead of on every call. Building a Kysely
 * query and compiling it to SQL costs more than running a small query on SQLite; the SQL of a
 * query depends only on its shape (how many values an `in` list holds, which cursor bounds apply),
 * so `build` runs once per shape key with `QueryParam` placeholders, and later calls only put the
 * values in.
 */
export class CompiledQueries {
  private readonly templates = new Map<string, Template>();

  constructor(private readonly limit = 500) {}

  async execute<R>(
    db: Executor,
    shape: string,
    build: (param: (name: string) => QueryParam) => Compilable<R>,
    values: Record<string, unknown>,
  ): Promise<R[]> {
    // The same shape compiles to different SQL per dialect ($1 or ?).
    const key = `${db.getExecutor().adapter.constructor.name}|${shape}`;
    let template = this.templates.get(key);
    if (!template) {
      const compiled = build((name) => new QueryParam(name)).compile();
      template = {
        sql: compiled.sql,
        names: compiled.parameters.map((p) => (p instanceof QueryParam ? p.name : undefined)),
        constants: [...compiled.parameters],
      };
      if (this.templates.size >= this.limit) this.templates.clear();
      this.templates.set(key, template);
    }
    const parameters = template.names.map((name, i) => {
      if (name === undefined) return template.constants[i];
      if (!(name in values)) throw new Error(`No value for query parameter ${name}`);
      return values[name];
    });
    const result = await db.executeQuery<R>(CompiledQuery.raw(template.sql, parameters));
    return result.rows;
  }
}
