import type { Executor } from "../../store/database.ts";
import type { BusinessMembersTable, PeopleTable } from "../../store/schema.ts";

export type PersonRow = PeopleTable;
export type MemberRow = BusinessMembersTable;

export async function insertPerson(db: Executor, row: PersonRow): Promise<void> {
  await db.insertInto("people").values(row).execute();
}

export async function findPerson(db: Executor, id: string): Promise<PersonRow | undefined> {
  return db.selectFrom("people").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function findPersonByEmail(db: Executor, email: string): Promise<PersonRow | undefined> {
  return db.selectFrom("people").selectAll().where("email", "=", email).executeTakeFirst();
}

export async function findMember(db: Executor, businessId: string, personId: string): Promise<MemberRow | undefined> {
  return db
    .selectFrom("business_members")
    .selectAll()
    .where("business_id", "=", businessId)
    .where("person_id", "=", personId)
    .executeTakeFirst();
}

export async function upsertMember(db: Executor, row: MemberRow): Promise<void> {
  await db
    .insertInto("business_members")
    .values(row)
    .onConflict((oc) => oc.columns(["business_id", "person_id"]).doUpdateSet({ role: row.role }))
    .execute();
}

export async function deleteMember(db: Executor, businessId: string, personId: string): Promise<void> {
  await db.deleteFrom("business_members").where("business_id", "=", businessId).where("person_id", "=", personId).execute();
}

export async function listMembers(db: Executor, businessId: string): Promise<(MemberRow & { name: string; email: string })[]> {
  return db
    .selectFrom("business_members")
    .innerJoin("people", "people.id", "business_members.person_id")
    .selectAll("business_members")
    .select(["people.name", "people.email"])
    .where("business_members.business_id", "=", businessId)
    .orderBy("business_members.created_at")
    .execute();
}

export async function countAdmins(db: Executor, businessId: string): Promise<number> {
  const people = await db
    .selectFrom("business_members")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("business_id", "=", businessId)
    .where("role", "=", "ADMIN")
    .executeTakeFirstOrThrow();
  const systemUsers = await db
    .selectFrom("system_users")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("business_id", "=", businessId)
    .where("role", "=", "ADMIN")
    .executeTakeFirstOrThrow();
  return Number(people.n) + Number(systemUsers.n);
}

/** Ids of every person and system user of a business. */
export async function listPrincipalIdsOfBusiness(db: Executor, businessId: string): Promise<string[]> {
  const members = await db.selectFrom("business_members").select("person_id as id").where("business_id", "=", businessId).execute();
  const systemUsers = await db.selectFrom("system_users").select("id").where("business_id", "=", businessId).execute();
  return [...members, ...systemUsers].map((r) => r.id);
}
