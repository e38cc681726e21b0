import StockroomCore
import StockroomRedis

/// Reads one dead-letter stream newest first and keeps the entries a filter matches, inside Redis:
/// only the matches cross the wire, and no call examines more than ``examineLimit`` entries, so a page
/// that searches 10,000 dead letters never holds Redis for long.
enum DeadLetterScan {
    /// Entries one call examines at most.
    static let examineLimit = 1000

    static let script = RedisScript(
        name: "pipeline-dead-letter-scan",
        source: #"""
-- Stockroom dead letters: one stream's entries, newest first, that match a filter.
--
-- KEYS[1] a dead-letter stream
-- ARGV[1] the highest id to read ('+', an id, or '(' and an id to leave it out)   ARGV[2] the lowest ('-' or an id)
-- ARGV[3] most entries to examine   ARGV[4] most matches to return
-- ARGV[5] the SKU a match has (its `sku` field), or ''
-- ARGV[6] lower-case text a match's last error contains (ASCII letters compared without case), or ''
--
-- Returns {matches, more, last}: the matches as XREVRANGE gives entries; more 1 when the stream may
-- hold further entries below `last`, the id of the last entry examined.

local filtered = ARGV[5] ~= '' or ARGV[6] ~= ''
local wanted = tonumber(ARGV[4])
-- Without a filter every entry matches: read no more than are wanted.
local count = filtered and tonumber(ARGV[3]) or math.min(tonumber(ARGV[3]), wanted)
local entries = redis.call('XREVRANGE', KEYS[1], ARGV[1], ARGV[2], 'COUNT', count)
local full = #entries == count
if not filtered then
    return {entries, full and 1 or 0, entries[#entries] and entries[#entries][1] or ''}
end
local matches, last = {}, ''
for index, entry in ipairs(entries) do
    last = entry[1]
    local sku, lastError
    local fields = entry[2]
    for i = 1, #fields, 2 do
        if fields[i] == 'sku' then sku = fields[i + 1] elseif fields[i] == 'dlq.last_error' then lastError = fields[i + 1] end
    end
    if (ARGV[5] == '' or sku == ARGV[5])
        and (ARGV[6] == '' or (lastError and string.find(string.lower(lastError), ARGV[6], 1, true))) then
        matches[#matches + 1] = entry
        if #matches >= wanted then
            return {matches, (index < #entries or full) and 1 or 0, last}
        end
    end
end
return {matches, full and 1 or 0, last}
"""#
    )

    /// One call's findings.
    struct Batch {
        var matches: [(id: String, fields: [String: String]?)]
        var more: Bool
        var last: String
    }

    static func call(stream: String, highest: String, lowest: String, wanted: Int, sku: String?, errorText: String?) -> ScriptCall {
        ScriptCall(
            script, keys: [stream],
            arguments: [highest, lowest, String(examineLimit), String(wanted), sku ?? "", errorText?.lowercased() ?? ""]
        )
    }

    static func batch(_ reply: RESPValue) throws -> Batch {
        guard let parts = reply.array, parts.count == 3, let more = parts[1].int, let last = parts[2].string else {
            throw RedisError(.protocolError, "the \(script.name) script answered \(reply)")
        }
        return Batch(matches: try StreamReplies.entries(parts[0]), more: more == 1, last: last)
    }
}
