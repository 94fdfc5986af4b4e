/**
 * Saves made before the replication service runs (it starts with the network, in a lazy chunk):
 * their hashes wait here and are handed over when it starts. Kept apart from ./mesh.ts so the
 * first paint does not load the replication code.
 */
/** Hashes of saved memories on their way to the replication service. */
export class MeshQueue {
  #pending: string[] = []
  #target: ((hashHex: string) => void) | undefined

  /** A memory was saved: schedule its replication now, or once the mesh runs. */
  saved (hashHex: string): void {
    if (this.#target !== undefined) this.#target(hashHex)
    else if (!this.#pending.includes(hashHex)) this.#pending.push(hashHex)
  }

  /** Connects the running mesh; queued hashes go first. */
  attach (target: (hashHex: string) => void): void {
    this.#target = target
    const queued = this.#pending
    this.#pending = []
    for (const h of queued) target(h)
  }
}

