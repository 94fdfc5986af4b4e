/**
 * App-side wiring of recovery from the phrase ([Note: Recovery] in src/replication/recovery.ts):
 * the codec worker as the session's heavy lifter, the network once libp2p runs, borrowed-device
 * mode, "forget everything" and "make this my device".
 *
 * [Note: Borrowed-device mode]
 * On a device that is not the owner's, the recovery path keeps keys, manifests and recovered
 * bytes in this tab's memory only: nothing goes to IndexedDB, the Cache API or the service
 * worker (files are shown through `blob:` URLs, revoked on leave). The node stops holding
 * fragments for others for the session (its replication service is stopped, nothing persisted),
 * since a borrowed device should not keep strangers' data either. "Done — forget everything"
 * then deletes every IndexedDB database of the origin, every Cache Storage cache, the service
 * worker registrations (with the periodic background sync of the repair loop, which a borrowed
 * session never registers: [Note: Background repair]) and local/session storage, and navigates to a page that writes nothing.
 * Leaving without it (closing the tab, reloading) wipes the same ([Note: Wipe on leave] in ./leave-wipe.ts).
 *
 * A device that has a vault of its own can lend itself too: its vault, memories and held
 * fragments are not this session's to delete, so there "forget everything" only drops the
 * session (keys and bytes live in this tab) and reloads, and nothing is wiped on leave.
 * "Make this my device" is refused there ({@link VaultPresentError}): storing another phrase
 * would replace the device's vault key and orphan its memories.
 */
import type { CodecClient } from '../codec/worker-client.js'
import type { PeerNetwork, ReplicaStore, TesseraRecord, TesseraStore } from '../core/ports.js'
import { deriveVaultKeys, parsePhrase, payloadChunkCount, sealedChunkSize, wordlist } from '../crypto/index.js'
import { PAYLOAD_HEADER_BYTES } from '../core/plan.js'
import type { OpenedMemory, RecoverySession, RecoveredMemory, RecoveryCodec } from '../replication/recovery.js'
import { TesserasError } from '../core/errors.js'
import { type LeaveWipe, armLeaveWipe, wipeOrigin } from './leave-wipe.js'

/** "Make this my device" on a device that already has a vault: it would replace that vault's key. */
export class VaultPresentError extends TesserasError {
  static override readonly name = 'VaultPresentError'
  static readonly code = 'ERR_VAULT_PRESENT'
  constructor (message = 'this device already has a vault; recover in borrowed-device mode') {
    super(message, VaultPresentError.code)
  }
}

/** Path of the page shown after "forget everything" (src/app/main.ts renders it without touching storage). */
export const FORGOTTEN_PATH = '/forgotten'
/** How long recovery waits for the network to start before saying it is unavailable. */
export const NETWORK_WAIT_MS = 30_000

/** How a recovery keeps what it finds. */
export type RecoveryMode = 'borrowed' | 'mine'

/** What recovery needs from the running network (src/app/network.ts). */
export interface RecoveryNetwork {
  peerNetwork: PeerNetwork
  /** Stops holding fragments for others for this session (nothing persisted). */
  stopHolding: () => Promise<void>
  /** Stops the node (before wiping storage). */
  stop: () => Promise<void>
}

export interface RecoveryAppComponents {
  codec: CodecClient
  /** Resolves once libp2p runs; rejects when the network cannot start. */
  network: () => Promise<RecoveryNetwork>
  /** "Make this my device": stores the vault secret as the Restore flow does. */
  restoreVault: (phrase: string) => Promise<void>
  /** Where imported memories go ("make this my device"). */
  tesseras: TesseraStore
  /** Where the holders of imported memories go (rows of the holders that served them). */
  replicas: ReplicaStore
  /** Closes this tab's IndexedDB connections (before deleting the databases). */
  closeStores: () => void
  /** Told before holding stops, so a network started later does not start holding either. */
  onBorrowed: () => void
  /** True when this device has a vault of its own. */
  hasVault: () => boolean
  /** Arms the wipe on leave (default {@link armLeaveWipe}; tests give their own). */
  armLeaveWipe?: () => LeaveWipe
}

/** Every word of both phrase word lists, for autocomplete. */
export function phraseWordList (): string[] {
  return [...new Set([...wordlist('en'), ...wordlist('pt')])].sort()
}

/**
 * The recovery side of the app: phrase → session, forget, import.
 * @example
 * const session = await recovery.begin(text, 'borrowed') // throws InvalidPhraseError before any network work
 */
export class RecoveryApp {
  #session: RecoverySession | undefined
  #mode: RecoveryMode = 'borrowed'
  /** Armed by a borrowed session on a device without a vault. */
  #leaveWipe: LeaveWipe | undefined

  constructor (private readonly c: RecoveryAppComponents) {}

  get mode (): RecoveryMode { return this.#mode }
  get session (): RecoverySession | undefined { return this.#session }

  /**
   * Checks the phrase (checksum first: a mistyped phrase never reaches the network), then
   * waits for the network and opens a session. In `'mine'` mode the vault secret is stored
   * first, as "Restore" does.
   * @throws InvalidPhraseError (code, position, suggestion) for a wrong phrase
   * @throws VaultPresentError for `'mine'` on a device that has a vault
   * @throws Error when the network does not start within {@link NETWORK_WAIT_MS}
   */
  async begin (phrase: string, mode: RecoveryMode): Promise<RecoverySession> {
    const parsed = parsePhrase(phrase)
    if (mode === 'mine' && this.c.hasVault()) {
      parsed.entropy.fill(0)
      throw new VaultPresentError()
    }
    const keys = deriveVaultKeys(parsed.entropy)
    parsed.entropy.fill(0)
    this.#mode = mode
    if (mode === 'borrowed') {
      this.c.onBorrowed()
      if (!this.c.hasVault()) this.#leaveWipe ??= (this.c.armLeaveWipe ?? armLeaveWipe)()
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    const network = await Promise.race([
      this.c.network(),
      new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error('the network did not start')) }, NETWORK_WAIT_MS) })
    ]).finally(() => { clearTimeout(timer) })
    if (mode === 'borrowed') await network.stopHolding()
    else await this.c.restoreVault(phrase)
    this.#session?.close()
    // Loaded on first use: RS, payload decryption and bulk BLAKE3 stay out of the app shell.
    const { RecoverySession } = await import('../replication/recovery.js')
    this.#session = new RecoverySession(keys, { network: network.peerNetwork, codec: codecForRecovery(this.c.codec) })
    return this.#session
  }

  /**
   * "Make this my device", second half: imports a recovered memory as a local tessera (its
   * verified encrypted payload and signed manifest), so the gallery shows it.
   */
  async importMemory (memory: RecoveredMemory, payload: Uint8Array, servedBy: OpenedMemory['servedBy'] = []): Promise<void> {
    const { manifest } = memory
    const writer = await this.c.tesseras.begin()
    try {
      const sealed = sealedChunkSize(manifest.chunkSize)
      const chunkCount = payloadChunkCount(manifest.size, manifest.chunkSize)
      for (let i = 0; i < chunkCount; i++) {
        const start = PAYLOAD_HEADER_BYTES + i * sealed
        await writer.putChunk(i, payload.slice(start, Math.min(manifest.size, start + sealed)), { give: true })
      }
      const record: TesseraRecord = {
        hashHex: memory.hashHex,
        manifest,
        payloadHeader: payload.slice(0, PAYLOAD_HEADER_BYTES),
        chunkCount,
        savedAt: Date.now()
      }
      await writer.commit(record)
    } catch (err) {
      await writer.abort()
      throw err
    }
    // The holders that served verified shards in this session hold them: their rows spare the
    // next replicate() from pushing those shards again (the repair loop attests them as usual).
    const now = Date.now()
    const peers = (await this.c.network().catch(() => undefined))?.peerNetwork.peers() ?? []
    for (const { index, peerId } of servedBy) {
      const kind = peers.find(p => p.id === peerId)?.kind === 'websocket' ? 'websocket' : 'webrtc'
      await this.c.replicas.put({ tesseraHashHex: memory.hashHex, index, holderId: peerId, kind, storedAt: now, lastProofAt: now })
    }
  }

  /**
   * This device now has a vault of its own (created or restored after a borrowed session):
   * leaving must no longer wipe it.
   */
  vaultCreated (): void {
    this.#leaveWipe?.disarm()
    this.#leaveWipe = undefined
  }

  /** Drops the keys and every recovered byte of this tab (the caller revokes its blob URLs). */
  close (): void {
    this.#session?.close()
    this.#session = undefined
  }

  /**
   * "Done — forget everything" ([Note: Borrowed-device mode]): drops keys and data, stops the
   * node, deletes every IndexedDB database, Cache Storage cache and service worker registration
   * of this origin, clears local and session storage, then opens {@link FORGOTTEN_PATH}.
   */
  async forgetEverything (language: string): Promise<void> {
    this.close()
    if (this.#leaveWipe === undefined) {
      // A device with its own vault: only the session goes (it lived in this tab); the reload
      // turns holding back on.
      location.replace('/')
      return
    }
    this.c.codec.terminate()
    await this.c.network().then(async n => { await n.stop() }, () => undefined).catch((err: unknown) => { console.warn('forget: stopping the node failed', err) })
    this.c.closeStores()
    await wipeOrigin()
    this.#leaveWipe.disarm()
    location.replace(`${FORGOTTEN_PATH}?lang=${encodeURIComponent(language)}`)
  }
}

/** The codec worker as a {@link RecoveryCodec}: buffers are transferred, never copied. */
export function codecForRecovery (codec: CodecClient): RecoveryCodec {
  return {
    openMetadata: async (input, options = {}) => (await codec.run('openRecord', input, { signal: options.signal })).index,
    openShards: async (input, options = {}) => {
      // Transfer whole buffers only; a view into a larger (or shared) buffer is copied first.
      const shards = input.shards.map(s => s == null || (s.byteOffset === 0 && s.byteLength === s.buffer.byteLength) ? s : s.slice())
      return await codec.run('openShards', { ...input, shards }, {
        signal: options.signal,
        transfer: [...new Set(shards.flatMap(s => s != null ? [s.buffer as ArrayBuffer] : []))]
      })
    },
    // Shard checks in the worker too, not on the page: the buffer goes in and comes back transferred.
    checksum: async (bytes, options = {}) => {
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice()
      return await codec.run('checksumShard', { bytes: whole }, { signal: options.signal, transfer: [whole.buffer as ArrayBuffer] })
    }
  }
}
