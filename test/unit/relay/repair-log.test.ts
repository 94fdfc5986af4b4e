import { describe, expect, it } from 'vitest'
import { repairLogLine } from '../../../src/relay/repair-log.js'

const hashHex = '1a2b3c4d'.repeat(8)
const holderId = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'

describe('repairLogLine', () => {
  it('names the event, the tessera, the shard and the holder in short form', () => {
    expect(repairLogLine({ type: 'repair:holder:lost', detail: { hashHex, index: 7, holderId } })).toBe('repair holder lost 1a2b3c4d #7 …kSCVe2Xo')
  })

  it('prints other fields as key=value, arrays as JSON with peer ids shortened', () => {
    expect(repairLogLine({ type: 'repair:push', detail: { hashHex, indices: [3, 17] } })).toBe('repair push 1a2b3c4d indices=[3,17]')
    expect(repairLogLine({
      type: 'repair:gathered',
      detail: { hashHex, shards: 15, needed: 16, requests: 30, notHeld: 14, badBytes: 1, unreachable: [holderId] }
    })).toBe('repair gathered 1a2b3c4d shards=15 needed=16 requests=30 notHeld=14 badBytes=1 unreachable=["…kSCVe2Xo"]')
    expect(repairLogLine({ type: 'repair:tessera:failed', detail: { hashHex, code: 'ERR_NOT_ENOUGH_SHARDS' } })).toBe('repair tessera failed 1a2b3c4d code=ERR_NOT_ENOUGH_SHARDS')
  })
})
