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

export interface ByteRange {
  offset: bigint
  length: number
}

export namespace ByteRange {
  let _codec: Codec<ByteRange>

  export const codec = (): Codec<ByteRange> => {
    if (_codec == null) {
      _codec = message<ByteRange>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.offset != null && obj.offset !== 0n)) {
          w.uint32(8)
          w.uint64(obj.offset)
        }

        if ((obj.length != null && obj.length !== 0)) {
          w.uint32(16)
          w.uint32(obj.length)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          offset: 0n,
          length: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.offset = reader.uint64()
              break
            }
            case 2: {
              obj.length = reader.uint32()
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
                field: `${prefix}.offset`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.length`,
                value: reader.uint32()
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

  export interface ByteRangeOffsetFieldEvent {
    field: '$.offset'
    value: bigint
  }

  export interface ByteRangeLengthFieldEvent {
    field: '$.length'
    value: number
  }

  export function encode (obj: Partial<ByteRange>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ByteRange.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ByteRange>): ByteRange {
    return decodeMessage(buf, ByteRange.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ByteRange>): Generator<ByteRangeOffsetFieldEvent | ByteRangeLengthFieldEvent> {
    return streamMessage(buf, ByteRange.codec(), opts)
  }
}

export interface AttestRequest {
  fragment?: FragmentId
  nonce: Uint8Array<ArrayBuffer>
  ranges: ByteRange[]
  whole: boolean
}

export namespace AttestRequest {
  let _codec: Codec<AttestRequest>

  export const codec = (): Codec<AttestRequest> => {
    if (_codec == null) {
      _codec = message<AttestRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.fragment != null) {
          w.uint32(10)
          FragmentId.codec().encode(obj.fragment, w)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.nonce)
        }

        if (obj.ranges != null && obj.ranges.length > 0) {
          for (const value of obj.ranges) {
            w.uint32(26)
            ByteRange.codec().encode(value, w)
          }
        }

        if ((obj.whole != null && obj.whole !== false)) {
          w.uint32(32)
          w.bool(obj.whole)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          nonce: uint8ArrayAlloc(0),
          ranges: [],
          whole: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.fragment = FragmentId.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.fragment
              })
              break
            }
            case 2: {
              obj.nonce = reader.bytes()
              break
            }
            case 3: {
              if (opts.limits?.ranges != null && obj.ranges.length === opts.limits.ranges) {
                throw new MaxLengthError('Decode error - repeated field "ranges" had too many elements')
              }

              obj.ranges.push(ByteRange.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ranges$
              }))
              break
            }
            case 4: {
              obj.whole = reader.bool()
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
          ranges: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * FragmentId.codec().stream(reader, reader.uint32(), `${prefix}.fragment`, {
                limits: opts.limits?.fragment
              })

              break
            }
            case 2: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              if (opts.limits?.ranges != null && obj.ranges === opts.limits.ranges) {
                throw new MaxLengthError('Streaming decode error - repeated field "ranges" had too many elements')
              }

              for (const evt of ByteRange.codec().stream(reader, reader.uint32(), `${prefix}.ranges[]`, {
                limits: opts.limits?.ranges$
              })) {
                yield {
                  ...evt,
                  index: obj.ranges
                }
              }

              obj.ranges++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.whole`,
                value: reader.bool()
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

  export interface AttestRequestFragmentTesseraHashFieldEvent {
    field: '$.fragment.tesseraHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AttestRequestFragmentIndexFieldEvent {
    field: '$.fragment.index'
    value: number
  }

  export interface AttestRequestFragmentShardCountFieldEvent {
    field: '$.fragment.shardCount'
    value: number
  }

  export interface AttestRequestFragmentChecksumFieldEvent {
    field: '$.fragment.checksum'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AttestRequestNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AttestRequestRangesOffsetFieldEvent {
    field: '$.ranges[].offset'
    value: bigint
    index: number
  }

  export interface AttestRequestRangesLengthFieldEvent {
    field: '$.ranges[].length'
    value: number
    index: number
  }

  export interface AttestRequestWholeFieldEvent {
    field: '$.whole'
    value: boolean
  }

  export function encode (obj: Partial<AttestRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, AttestRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AttestRequest>): AttestRequest {
    return decodeMessage(buf, AttestRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AttestRequest>): Generator<AttestRequestFragmentTesseraHashFieldEvent | AttestRequestFragmentIndexFieldEvent | AttestRequestFragmentShardCountFieldEvent | AttestRequestFragmentChecksumFieldEvent | AttestRequestNonceFieldEvent | AttestRequestRangesOffsetFieldEvent | AttestRequestRangesLengthFieldEvent | AttestRequestWholeFieldEvent> {
    return streamMessage(buf, AttestRequest.codec(), opts)
  }
}

export interface AttestResponse {
  status: AttestResponse.Status
  proof: Uint8Array<ArrayBuffer>
}

export namespace AttestResponse {
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

  let _codec: Codec<AttestResponse>

  export const codec = (): Codec<AttestResponse> => {
    if (_codec == null) {
      _codec = message<AttestResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          AttestResponse.Status.codec().encode(obj.status, w)
        }

        if ((obj.proof != null && obj.proof.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.proof)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: Status.OK,
          proof: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = AttestResponse.Status.codec().decode(reader)
              break
            }
            case 2: {
              obj.proof = reader.bytes()
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
                field: `${prefix}.status`,
                value: AttestResponse.Status.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.proof`,
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

  export interface AttestResponseStatusFieldEvent {
    field: '$.status'
    value: AttestResponse.Status
  }

  export interface AttestResponseProofFieldEvent {
    field: '$.proof'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<AttestResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, AttestResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AttestResponse>): AttestResponse {
    return decodeMessage(buf, AttestResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AttestResponse>): Generator<AttestResponseStatusFieldEvent | AttestResponseProofFieldEvent> {
    return streamMessage(buf, AttestResponse.codec(), opts)
  }
}
