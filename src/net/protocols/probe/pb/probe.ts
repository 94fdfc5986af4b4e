import { decodeMessage, encodeMessage, enumeration, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ProbeHeader {
  length: bigint
  sha256: Uint8Array<ArrayBuffer>
}

export namespace ProbeHeader {
  let _codec: Codec<ProbeHeader>

  export const codec = (): Codec<ProbeHeader> => {
    if (_codec == null) {
      _codec = message<ProbeHeader>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.length != null && obj.length !== 0n)) {
          w.uint32(8)
          w.uint64(obj.length)
        }

        if ((obj.sha256 != null && obj.sha256.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.sha256)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          length: 0n,
          sha256: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.length = reader.uint64()
              break
            }
            case 2: {
              obj.sha256 = reader.bytes()
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
                field: `${prefix}.length`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.sha256`,
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

  export interface ProbeHeaderLengthFieldEvent {
    field: '$.length'
    value: bigint
  }

  export interface ProbeHeaderSha256FieldEvent {
    field: '$.sha256'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ProbeHeader>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ProbeHeader.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProbeHeader>): ProbeHeader {
    return decodeMessage(buf, ProbeHeader.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProbeHeader>): Generator<ProbeHeaderLengthFieldEvent | ProbeHeaderSha256FieldEvent> {
    return streamMessage(buf, ProbeHeader.codec(), opts)
  }
}

export interface ProbeAck {
  status: ProbeAck.Status
  received: bigint
}

export namespace ProbeAck {
  export enum Status {
    UNSPECIFIED = 'UNSPECIFIED',
    OK = 'OK',
    TOO_LARGE = 'TOO_LARGE',
    MISMATCH = 'MISMATCH',
    MALFORMED = 'MALFORMED',
    TIMEOUT = 'TIMEOUT'
  }

  enum __StatusValues {
    UNSPECIFIED = 0,
    OK = 1,
    TOO_LARGE = 2,
    MISMATCH = 3,
    MALFORMED = 4,
    TIMEOUT = 5
  }

  export namespace Status {
    export const codec = (): Codec<Status> => {
      return enumeration<Status>(__StatusValues)
    }
  }

  let _codec: Codec<ProbeAck>

  export const codec = (): Codec<ProbeAck> => {
    if (_codec == null) {
      _codec = message<ProbeAck>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          ProbeAck.Status.codec().encode(obj.status, w)
        }

        if ((obj.received != null && obj.received !== 0n)) {
          w.uint32(16)
          w.uint64(obj.received)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: Status.UNSPECIFIED,
          received: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = ProbeAck.Status.codec().decode(reader)
              break
            }
            case 2: {
              obj.received = reader.uint64()
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
                value: ProbeAck.Status.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.received`,
                value: reader.uint64()
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

  export interface ProbeAckStatusFieldEvent {
    field: '$.status'
    value: ProbeAck.Status
  }

  export interface ProbeAckReceivedFieldEvent {
    field: '$.received'
    value: bigint
  }

  export function encode (obj: Partial<ProbeAck>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ProbeAck.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProbeAck>): ProbeAck {
    return decodeMessage(buf, ProbeAck.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProbeAck>): Generator<ProbeAckStatusFieldEvent | ProbeAckReceivedFieldEvent> {
    return streamMessage(buf, ProbeAck.codec(), opts)
  }
}
