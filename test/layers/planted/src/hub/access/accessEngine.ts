/** The planted tree's access engine. */
export class AccessEngine {
  check(): boolean {
    return true;
  }
}
