import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface FragmentId {
  tesseraHash: Uint8Array<ArrayBuffer>
  index: number
  shardCount: number
  checksum: Uint8Array<ArrayBuffer>
}

export namespace FragmentId {
  let _codec: Codec<FragmentId>

  export const codec = (): Codec<FragmentId> => {
    if (_codec == null) {
      _codec = message<FragmentId>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.tesseraHash != null && obj.tesseraHash.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.tesseraHash)
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(16)
          w.uint32(obj.index)
        }

        if ((obj.shardCount != null && obj.shardCount !== 0)) {
          w.uint32(24)
          w.uint32(obj.shardCount)
        }

        if ((obj.checksum != null && obj.checksum.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.checksum)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          tesseraHash: uint8ArrayAlloc(0),
          index: 0,
          shardCount: 0,
          checksum: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.tesseraHash = reader.bytes()
              break
            }
            case 2: {
              obj.index = reader.uint32()
              break
            }
            case 3: {
              obj.shardCount = reader.uint32()
              break
            }
            case 4: {
              obj.checksum = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.tesseraHash`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.index`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.shardCount`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.checksum`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface FragmentIdTesseraHashFieldEvent {
    field: '$.tesseraHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FragmentIdIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface FragmentIdShardCountFieldEvent {
    field: '$.shardCount'
    value: number
  }

  export interface FragmentIdChecksumFieldEvent {
    field: '$.checksum'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<FragmentId>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FragmentId.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FragmentId>): FragmentId {
    return decodeMessage(buf, FragmentId.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FragmentId>): Generator<FragmentIdTesseraHashFieldEvent | FragmentIdIndexFieldEvent | FragmentIdShardCountFieldEvent | FragmentIdChecksumFieldEvent> {
    return streamMessage(buf, FragmentId.codec(), opts)
  }
}

export interface Manifest {
  formatVersion: number
  tesseraHash: Uint8Array<ArrayBuffer>
  size: bigint
  chunkSize: number
  tier: Manifest.Tier
  k: number
  m: number
  shardSize: bigint
  shardChecksums: Uint8Array<ArrayBuffer>[]
  wrappedKey: Uint8Array<ArrayBuffer>
  encryptedMetadata: Uint8Array<ArrayBuffer>
  createdAt: bigint
  vaultPublicKey: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace Manifest {
  export enum Tier {
    TIER_UNSPECIFIED = 'TIER_UNSPECIFIED',
    SMALL = 'SMALL',
    MEDIUM = 'MEDIUM',
    LARGE = 'LARGE'
  }

  enum __TierValues {
    TIER_UNSPECIFIED = 0,
    SMALL = 1,
    MEDIUM = 2,
    LARGE = 3
  }

  export namespace Tier {
    export const codec = (): Codec<Tier> => {
      return enumeration<Tier>(__TierValues)
    }
  }

  let _codec: Codec<Manifest>

  export const codec = (): Codec<Manifest> => {
    if (_codec == null) {
      _codec = message<Manifest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.formatVersion != null && obj.formatVersion !== 0)) {
          w.uint32(8)
          w.uint32(obj.formatVersion)
        }

        if ((obj.tesseraHash != null && obj.tesseraHash.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.tesseraHash)
        }

        if ((obj.size != null && obj.size !== 0n)) {
          w.uint32(24)
          w.uint64(obj.size)
        }

        if ((obj.chunkSize != null && obj.chunkSize !== 0)) {
          w.uint32(32)
          w.uint32(obj.chunkSize)
        }

        if (obj.tier != null && __TierValues[obj.tier] !== 0) {
          w.uint32(40)
          Manifest.Tier.codec().encode(obj.tier, w)
        }

        if ((obj.k != null && obj.k !== 0)) {
          w.uint32(48)
          w.uint32(obj.k)
        }

        if ((obj.m != null && obj.m !== 0)) {
          w.uint32(56)
          w.uint32(obj.m)
        }

        if ((obj.shardSize != null && obj.shardSize !== 0n)) {
          w.uint32(64)
          w.uint64(obj.shardSize)
        }

        if (obj.shardChecksums != null && obj.shardChecksums.length > 0) {
          for (const value of obj.shardChecksums) {
            w.uint32(74)
            w.bytes(value)
          }
        }

        if ((obj.wrappedKey != null && obj.wrappedKey.byteLength > 0)) {
          w.uint32(82)
          w.bytes(obj.wrappedKey)
        }

        if ((obj.encryptedMetadata != null && obj.encryptedMetadata.byteLength > 0)) {
          w.uint32(90)
          w.bytes(obj.encryptedMetadata)
        }

        if ((obj.createdAt != null && obj.createdAt !== 0n)) {
          w.uint32(96)
          w.uint64(obj.createdAt)
        }

        if ((obj.vaultPublicKey != null && obj.vaultPublicKey.byteLength > 0)) {
          w.uint32(106)
          w.bytes(obj.vaultPublicKey)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(114)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          formatVersion: 0,
          tesseraHash: uint8ArrayAlloc(0),
          size: 0n,
          chunkSize: 0,
          tier: Tier.TIER_UNSPECIFIED,
          k: 0,
          m: 0,
          shardSize: 0n,
          shardChecksums: [],
          wrappedKey: uint8ArrayAlloc(0),
          encryptedMetadata: uint8ArrayAlloc(0),
          createdAt: 0n,
          vaultPublicKey: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.formatVersion = reader.uint32()
              break
            }
            case 2: {
              obj.tesseraHash = reader.bytes()
              break
            }
            case 3: {
              obj.size = reader.uint64()
              break
            }
            case 4: {
              obj.chunkSize = reader.uint32()
              break
            }
            case 5: {
              obj.tier = Manifest.Tier.codec().decode(reader)
              break
            }
            case 6: {
              obj.k = reader.uint32()
              break
            }
            case 7: {
              obj.m = reader.uint32()
              break
            }
            case 8: {
              obj.shardSize = reader.uint64()
              break
            }
            case 9: {
              if (opts.limits?.shardChecksums != null && obj.shardChecksums.length === opts.limits.shardChecksums) {
                throw new MaxLengthError('Decode error - repeated field "shardChecksums" had too many elements')
              }

              obj.shardChecksums.push(reader.bytes())
              break
            }
            case 10: {
              obj.wrappedKey = reader.bytes()
              break
            }
            case 11: {
              obj.encryptedMetadata = reader.bytes()
              break
            }
            case 12: {
              obj.createdAt = reader.uint64()
              break
            }
            case 13: {
              obj.vaultPublicKey = reader.bytes()
              break
            }
            case 14: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          shardChecksums: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.formatVersion`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.tesseraHash`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.size`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.chunkSize`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.tier`,
                value: Manifest.Tier.codec().decode(reader)
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.k`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.m`,
                value: reader.uint32()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.shardSize`,
                value: reader.uint64()
              }
              break
            }
            case 9: {
              if (opts.limits?.shardChecksums != null && obj.shardChecksums === opts.limits.shardChecksums) {
                throw new MaxLengthError('Streaming decode error - repeated field "shardChecksums" had too many elements')
              }

              yield {
                field: `${prefix}.shardChecksums[]`,
                index: obj.shardChecksums,
                value: reader.bytes()
              }

              obj.shardChecksums++

              break
            }
            case 10: {
              yield {
                field: `${prefix}.wrappedKey`,
                value: reader.bytes()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.encryptedMetadata`,
                value: reader.bytes()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.createdAt`,
                value: reader.uint64()
              }
              break
            }
            case 13: {
              yield {
                field: `${prefix}.vaultPublicKey`,
                value: reader.bytes()
              }
              break
            }
            case 14: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ManifestFormatVersionFieldEvent {
    field: '$.formatVersion'
    value: number
  }

  export interface ManifestTesseraHashFieldEvent {
    field: '$.tesseraHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ManifestSizeFieldEvent {
    field: '$.size'
    value: bigint
  }

  export interface ManifestChunkSizeFieldEvent {
    field: '$.chunkSize'
    value: number
  }

  export interface ManifestTierFieldEvent {
    field: '$.tier'
    value: Manifest.Tier
  }

  export interface ManifestKFieldEvent {
    field: '$.k'
    value: number
  }

  export interface ManifestMFieldEvent {
    field: '$.m'
    value: number
  }

  export interface ManifestShardSizeFieldEvent {
    field: '$.shardSize'
    value: bigint
  }

  export interface ManifestShardChecksumsFieldEvent {
    field: '$.shardChecksums[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface ManifestWrappedKeyFieldEvent {
    field: '$.wrappedKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ManifestEncryptedMetadataFieldEvent {
    field: '$.encryptedMetadata'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ManifestCreatedAtFieldEvent {
    field: '$.createdAt'
    value: bigint
  }

  export interface ManifestVaultPublicKeyFieldEvent {
    field: '$.vaultPublicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ManifestSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Manifest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Manifest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Manifest>): Manifest {
    return decodeMessage(buf, Manifest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Manifest>): Generator<ManifestFormatVersionFieldEvent | ManifestTesseraHashFieldEvent | ManifestSizeFieldEvent | ManifestChunkSizeFieldEvent | ManifestTierFieldEvent | ManifestKFieldEvent | ManifestMFieldEvent | ManifestShardSizeFieldEvent | ManifestShardChecksumsFieldEvent | ManifestWrappedKeyFieldEvent | ManifestEncryptedMetadataFieldEvent | ManifestCreatedAtFieldEvent | ManifestVaultPublicKeyFieldEvent | ManifestSignatureFieldEvent> {
    return streamMessage(buf, Manifest.codec(), opts)
  }
}

export interface FetchRequest {
  kind: FetchRequest.Kind
  tesseraHash: Uint8Array<ArrayBuffer>
  fragment?: FragmentId
  vaultId: Uint8Array<ArrayBuffer>
}

export namespace FetchRequest {
  export enum Kind {
    KIND_UNSPECIFIED = 'KIND_UNSPECIFIED',
    MANIFEST = 'MANIFEST',
    SHARD = 'SHARD',
    LIST = 'LIST'
  }

  enum __KindValues {
    KIND_UNSPECIFIED = 0,
    MANIFEST = 1,
    SHARD = 2,
    LIST = 3
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<FetchRequest>

  export const codec = (): Codec<FetchRequest> => {
    if (_codec == null) {
      _codec = message<FetchRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(8)
          FetchRequest.Kind.codec().encode(obj.kind, w)
        }

        if ((obj.tesseraHash != null && obj.tesseraHash.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.tesseraHash)
        }

        if (obj.fragment != null) {
          w.uint32(26)
          FragmentId.codec().encode(obj.fragment, w)
        }

        if ((obj.vaultId != null && obj.vaultId.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.vaultId)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: Kind.KIND_UNSPECIFIED,
          tesseraHash: uint8ArrayAlloc(0),
          vaultId: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = FetchRequest.Kind.codec().decode(reader)
              break
            }
            case 2: {
              obj.tesseraHash = reader.bytes()
              break
            }
            case 3: {
              obj.fragment = FragmentId.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.fragment
              })
              break
            }
            case 4: {
              obj.vaultId = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.kind`,
                value: FetchRequest.Kind.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.tesseraHash`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield * FragmentId.codec().stream(reader, reader.uint32(), `${prefix}.fragment`, {
                limits: opts.limits?.fragment
              })

              break
            }
            case 4: {
              yield {
                field: `${prefix}.vaultId`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface FetchRequestKindFieldEvent {
    field: '$.kind'
    value: FetchRequest.Kind
  }

  export interface FetchRequestTesseraHashFieldEvent {
    field: '$.tesseraHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FetchRequestFragmentTesseraHashFieldEvent {
    field: '$.fragment.tesseraHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FetchRequestFragmentIndexFieldEvent {
    field: '$.fragment.index'
    value: number
  }

  export interface FetchRequestFragmentShardCountFieldEvent {
    field: '$.fragment.shardCount'
    value: number
  }

  export interface FetchRequestFragmentChecksumFieldEvent {
    field: '$.fragment.checksum'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FetchRequestVaultIdFieldEvent {
    field: '$.vaultId'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<FetchRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FetchRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchRequest>): FetchRequest {
    return decodeMessage(buf, FetchRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchRequest>): Generator<FetchRequestKindFieldEvent | FetchRequestTesseraHashFieldEvent | FetchRequestFragmentTesseraHashFieldEvent | FetchRequestFragmentIndexFieldEvent | FetchRequestFragmentShardCountFieldEvent | FetchRequestFragmentChecksumFieldEvent | FetchRequestVaultIdFieldEvent> {
    return streamMessage(buf, FetchRequest.codec(), opts)
  }
}

export interface HeldIndices {
  tesseraHash: Uint8Array<ArrayBuffer>
  indices: number[]
}

export namespace HeldIndices {
  let _codec: Codec<HeldIndices>

  export const codec = (): Codec<HeldIndices> => {
    if (_codec == null) {
      _codec = message<HeldIndices>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.tesseraHash != null && obj.tesseraHash.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.tesseraHash)
        }

        if (obj.indices != null && obj.indices.length > 0) {
          for (const value of obj.indices) {
            w.uint32(16)
            w.uint32(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          tesseraHash: uint8ArrayAlloc(0),
          indices: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.tesseraHash = reader.bytes()
              break
            }
            case 2: {
              if (opts.limits?.indices != null && obj.indices.length === opts.limits.indices) {
                throw new MaxLengthError('Decode error - repeated field "indices" had too many elements')
              }

              obj.indices.push(reader.uint32())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          indices: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.tesseraHash`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              if (opts.limits?.indices != null && obj.indices === opts.limits.indices) {
                throw new MaxLengthError('Streaming decode error - repeated field "indices" had too many elements')
              }

              yield {
                field: `${prefix}.indices[]`,
                index: obj.indices,
                value: reader.uint32()
              }

              obj.indices++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface HeldIndicesTesseraHashFieldEvent {
    field: '$.tesseraHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HeldIndicesIndicesFieldEvent {
    field: '$.indices[]'
    index: number
    value: number
  }

  export function encode (obj: Partial<HeldIndices>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, HeldIndices.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HeldIndices>): HeldIndices {
    return decodeMessage(buf, HeldIndices.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HeldIndices>): Generator<HeldIndicesTesseraHashFieldEvent | HeldIndicesIndicesFieldEvent> {
    return streamMessage(buf, HeldIndices.codec(), opts)
  }
}

export interface FetchResponse {
  status: FetchResponse.Status
  manifest?: Manifest
  length: bigint
  manifests: Manifest[]
  held: HeldIndices[]
}

export namespace FetchResponse {
  export enum Status {
    OK = 'OK',
    NOT_FOUND = 'NOT_FOUND',
    BAD_REQUEST = 'BAD_REQUEST',
    BUSY = 'BUSY',
    INTERNAL = 'INTERNAL'
  }

  enum __StatusValues {
    OK = 0,
    NOT_FOUND = 1,
    BAD_REQUEST = 2,
    BUSY = 3,
    INTERNAL = 4
  }

  export namespace Status {
    export const codec = (): Codec<Status> => {
      return enumeration<Status>(__StatusValues)
    }
  }

  let _codec: Codec<FetchResponse>

  export const codec = (): Codec<FetchResponse> => {
    if (_codec == null) {
      _codec = message<FetchResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          FetchResponse.Status.codec().encode(obj.status, w)
        }

        if (obj.manifest != null) {
          w.uint32(18)
          Manifest.codec().encode(obj.manifest, w)
        }

        if ((obj.length != null && obj.length !== 0n)) {
          w.uint32(24)
          w.uint64(obj.length)
        }

        if (obj.manifests != null && obj.manifests.length > 0) {
          for (const value of obj.manifests) {
            w.uint32(34)
            Manifest.codec().encode(value, w)
          }
        }

        if (obj.held != null && obj.held.length > 0) {
          for (const value of obj.held) {
            w.uint32(42)
            HeldIndices.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: Status.OK,
          length: 0n,
          manifests: [],
          held: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = FetchResponse.Status.codec().decode(reader)
              break
            }
            case 2: {
              obj.manifest = Manifest.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.manifest
              })
              break
            }
            case 3: {
              obj.length = reader.uint64()
              break
            }
            case 4: {
              if (opts.limits?.manifests != null && obj.manifests.length === opts.limits.manifests) {
                throw new MaxLengthError('Decode error - repeated field "manifests" had too many elements')
              }

              obj.manifests.push(Manifest.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.manifests$
              }))
              break
            }
            case 5: {
              if (opts.limits?.held != null && obj.held.length === opts.limits.held) {
                throw new MaxLengthError('Decode error - repeated field "held" had too many elements')
              }

              obj.held.push(HeldIndices.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.held$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          manifests: 0,
          held: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.status`,
                value: FetchResponse.Status.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield * Manifest.codec().stream(reader, reader.uint32(), `${prefix}.manifest`, {
                limits: opts.limits?.manifest
              })

              break
            }
            case 3: {
              yield {
                field: `${prefix}.length`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              if (opts.limits?.manifests != null && obj.manifests === opts.limits.manifests) {
                throw new MaxLengthError('Streaming decode error - repeated field "manifests" had too many elements')
              }

              for (const evt of Manifest.codec().stream(reader, reader.uint32(), `${prefix}.manifests[]`, {
                limits: opts.limits?.manifests$
              })) {
                yield {
                  ...evt,
                  index: obj.manifests
                }
              }

              obj.manifests++

              break
            }
            case 5: {
              if (opts.limits?.held != null && obj.held === opts.limits.held) {
                throw new MaxLengthError('Streaming decode error - repeated field "held" had too many elements')
              }

              for (const evt of HeldIndices.codec().stream(reader, reader.uint32(), `${prefix}.held[]`, {
                limits: opts.limits?.held$
              })) {
                yield {
                  ...evt,
                  index: obj.held
                }
              }

              obj.held++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface FetchResponseStatusFieldEvent {
    field: '$.status'
    value: FetchResponse.Status
  }

  export interface FetchResponseManifestFormatVersionFieldEvent {
    field: '$.manifest.formatVersion'
    value: number
  }

  export interface FetchResponseManifestTesseraHashFieldEvent {
    field: '$.manifest.tesseraHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FetchResponseManifestSizeFieldEvent {
    field: '$.manifest.size'
    value: bigint
  }

  export interface FetchResponseManifestChunkSizeFieldEvent {
    field: '$.manifest.chunkSize'
    value: number
  }

  export interface FetchResponseManifestTierFieldEvent {
    field: '$.manifest.tier'
    value: Manifest.Tier
  }

  export interface FetchResponseManifestKFieldEvent {
    field: '$.manifest.k'
    value: number
  }

  export interface FetchResponseManifestMFieldEvent {
    field: '$.manifest.m'
    value: number
  }

  export interface FetchResponseManifestShardSizeFieldEvent {
    field: '$.manifest.shardSize'
    value: bigint
  }

  export interface FetchResponseManifestShardChecksumsFieldEvent {
    field: '$.manifest.shardChecksums[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface FetchResponseManifestWrappedKeyFieldEvent {
    field: '$.manifest.wrappedKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FetchResponseManifestEncryptedMetadataFieldEvent {
    field: '$.manifest.encryptedMetadata'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FetchResponseManifestCreatedAtFieldEvent {
    field: '$.manifest.createdAt'
    value: bigint
  }

  export interface FetchResponseManifestVaultPublicKeyFieldEvent {
    field: '$.manifest.vaultPublicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FetchResponseManifestSignatureFieldEvent {
    field: '$.manifest.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FetchResponseLengthFieldEvent {
    field: '$.length'
    value: bigint
  }

  export interface FetchResponseManifestsFormatVersionFieldEvent {
    field: '$.manifests[].formatVersion'
    value: number
    index: number
  }

  export interface FetchResponseManifestsTesseraHashFieldEvent {
    field: '$.manifests[].tesseraHash'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface FetchResponseManifestsSizeFieldEvent {
    field: '$.manifests[].size'
    value: bigint
    index: number
  }

  export interface FetchResponseManifestsChunkSizeFieldEvent {
    field: '$.manifests[].chunkSize'
    value: number
    index: number
  }

  export interface FetchResponseManifestsTierFieldEvent {
    field: '$.manifests[].tier'
    value: Manifest.Tier
    index: number
  }

  export interface FetchResponseManifestsKFieldEvent {
    field: '$.manifests[].k'
    value: number
    index: number
  }

  export interface FetchResponseManifestsMFieldEvent {
    field: '$.manifests[].m'
    value: number
    index: number
  }

  export interface FetchResponseManifestsShardSizeFieldEvent {
    field: '$.manifests[].shardSize'
    value: bigint
    index: number
  }

  export interface FetchResponseManifestsShardChecksumsFieldEvent {
    field: '$.manifests[].shardChecksums[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface FetchResponseManifestsWrappedKeyFieldEvent {
    field: '$.manifests[].wrappedKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface FetchResponseManifestsEncryptedMetadataFieldEvent {
    field: '$.manifests[].encryptedMetadata'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface FetchResponseManifestsCreatedAtFieldEvent {
    field: '$.manifests[].createdAt'
    value: bigint
    index: number
  }

  export interface FetchResponseManifestsVaultPublicKeyFieldEvent {
    field: '$.manifests[].vaultPublicKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface FetchResponseManifestsSignatureFieldEvent {
    field: '$.manifests[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface FetchResponseHeldTesseraHashFieldEvent {
    field: '$.held[].tesseraHash'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface FetchResponseHeldIndicesFieldEvent {
    field: '$.held[].indices[]'
    index: number
    value: number
  }

  export function encode (obj: Partial<FetchResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FetchResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchResponse>): FetchResponse {
    return decodeMessage(buf, FetchResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchResponse>): Generator<FetchResponseStatusFieldEvent | FetchResponseManifestFormatVersionFieldEvent | FetchResponseManifestTesseraHashFieldEvent | FetchResponseManifestSizeFieldEvent | FetchResponseManifestChunkSizeFieldEvent | FetchResponseManifestTierFieldEvent | FetchResponseManifestKFieldEvent | FetchResponseManifestMFieldEvent | FetchResponseManifestShardSizeFieldEvent | FetchResponseManifestShardChecksumsFieldEvent | FetchResponseManifestWrappedKeyFieldEvent | FetchResponseManifestEncryptedMetadataFieldEvent | FetchResponseManifestCreatedAtFieldEvent | FetchResponseManifestVaultPublicKeyFieldEvent | FetchResponseManifestSignatureFieldEvent | FetchResponseLengthFieldEvent | FetchResponseManifestsFormatVersionFieldEvent | FetchResponseManifestsTesseraHashFieldEvent | FetchResponseManifestsSizeFieldEvent | FetchResponseManifestsChunkSizeFieldEvent | FetchResponseManifestsTierFieldEvent | FetchResponseManifestsKFieldEvent | FetchResponseManifestsMFieldEvent | FetchResponseManifestsShardSizeFieldEvent | FetchResponseManifestsShardChecksumsFieldEvent | FetchResponseManifestsWrappedKeyFieldEvent | FetchResponseManifestsEncryptedMetadataFieldEvent | FetchResponseManifestsCreatedAtFieldEvent | FetchResponseManifestsVaultPublicKeyFieldEvent | FetchResponseManifestsSignatureFieldEvent | FetchResponseHeldTesseraHashFieldEvent | FetchResponseHeldIndicesFieldEvent> {
    return streamMessage(buf, FetchResponse.codec(), opts)
  }
}
