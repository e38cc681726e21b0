import StockroomCore
import StockroomRedis

/// The pipeline's Lua scripts. Each touches the keys of one partition only (one hash tag), so each
/// stays inside one Redis Cluster slot, and each is one atomic step: no reader, acker or second
/// copy of the same script can interleave with it.
enum PipelineScripts {
    static let all: [RedisScript] =
        [ack, recordFailure, heartbeat, retireConsumer, trim]
        + effectsKinds.flatMap { [deadLetter(with: $0), moveDeadLetters(with: $0)] }

    /// The kinds of ``DeadLetterEffects`` Stockroom's subscriptions have: each has its own copy of the
    /// two dead-letter scripts.
    private static let effectsKinds = Array(Set(Subscription.all.map(\.deadLetterEffects) + [.none]))

    /// `redis` with the pipeline's scripts loaded at connect: the one place the runtime registers them.
    static func registered(in redis: RedisConfiguration) -> RedisConfiguration {
        var redis = redis
        redis.scripts += all.filter { !redis.scripts.contains($0) }
        return redis
    }

    /// XACK after the handler returned, and forget the entries' failure records.
    static let ack = RedisScript(
        name: "pipeline-ack",
        source: #"""
-- KEYS[1] stream (topic partition or retry stream)   KEYS[2] last-error hash
-- ARGV[1] group   ARGV[2] error-field prefix ("stream:" or "retry:")   ARGV[3..] entry ids
-- Returns the number of entries acknowledged.
local ids, fields = {}, {}
for i = 3, #ARGV do
    ids[#ids + 1] = ARGV[i]
    fields[#fields + 1] = ARGV[2] .. ARGV[i]
end
if #ids == 0 then return 0 end
local acked = redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
redis.call('HDEL', KEYS[2], unpack(fields))
return acked
"""#
    )

    /// Records a handler error for a still pending entry, keeping the time of its first failure.
    static let recordFailure = RedisScript(
        name: "pipeline-record-failure",
        source: #"""
-- KEYS[1] stream   KEYS[2] last-error hash
-- ARGV[1] group   ARGV[2] error field   ARGV[3] entry id   ARGV[4] consumer   ARGV[5] error text
-- Returns {'RECORDED', deliveries}, or {'NOT_PENDING'} when the entry is no longer pending (nothing written).
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #pending == 0 then return {'NOT_PENDING'} end
local clock = redis.call('TIME')
local now = clock[1] * 1000 + math.floor(clock[2] / 1000)
local first, failures = now, 0
local old = redis.call('HGET', KEYS[2], ARGV[2])
if old then
    local ok, record = pcall(cjson.decode, old)
    if ok and type(record) == 'table' then
        first = tonumber(record.first_failed_at) or now
        failures = tonumber(record.failures) or 0
    end
end
redis.call('HSET', KEYS[2], ARGV[2], cjson.encode({
    error = ARGV[5], consumer = ARGV[4],
    first_failed_at = string.format('%d', first), last_failed_at = string.format('%d', now),
    failures = failures + 1, deliveries = pending[1][4]}))
return {'RECORDED', pending[1][4]}
"""#
    )

    /// Moves one pending entry to the group's dead letters: XADD to the dead-letter stream, XACK the
    /// source, forget its failure record, and the group's ``DeadLetterEffects``. The source entry stays
    /// in its stream for the other groups.
    static func deadLetter(with effects: DeadLetterEffects) -> RedisScript {
        RedisScript(name: scriptName("pipeline-dead-letter", effects), source: effects.lua + deadLetterSource)
    }

    private static func scriptName(_ base: String, _ effects: DeadLetterEffects) -> String {
        effects.name.isEmpty ? base : "\(base)+\(effects.name)"
    }

    private static let deadLetterSource = #"""
-- KEYS[1] source stream   KEYS[2] dead-letter stream   KEYS[3] last-error hash
-- ARGV[1] group   ARGV[2] entry id   ARGV[3] error field   ARGV[4] topic   ARGV[5] reason
-- ARGV[6] error text ('' = the recorded last error)
-- ARGV[7] least delivery count   ARGV[8] least idle ms (0 0: unconditional)
-- ARGV[9] the partition's key prefix, for the effects
-- Returns {'DEAD', dead-letter id, deliveries, effect}, {'NOT_PENDING'} when the entry is no longer pending
-- (acknowledged, or dead-lettered by someone else: nothing is written twice), or
-- {'NOT_DUE', deliveries, idle} when the conditions do not hold (nothing written).
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if #pending == 0 then return {'NOT_PENDING'} end
local consumer, idle, deliveries = pending[1][2], pending[1][3], pending[1][4]
if deliveries < tonumber(ARGV[7]) or idle < tonumber(ARGV[8]) then
    return {'NOT_DUE', deliveries, idle}
end

local clock = redis.call('TIME')
local now = clock[1] * 1000 + math.floor(clock[2] / 1000)
local lastError, firstFailed, failures = ARGV[6], '', 0
local recorded = redis.call('HGET', KEYS[3], ARGV[3])
if recorded then
    local ok, record = pcall(cjson.decode, recorded)
    if ok and type(record) == 'table' then
        if lastError == '' then lastError = tostring(record.error or '') end
        firstFailed = tostring(record.first_failed_at or '')
        failures = tonumber(record.failures) or 0
    end
end
if ARGV[6] ~= '' then
    -- The failure that ends it is passed in, not recorded first: count it here.
    failures = failures + 1
    if firstFailed == '' then firstFailed = string.format('%d', now) end
end
if lastError == '' then lastError = 'no error recorded (' .. ARGV[5] .. '): the consumer crashed or timed out' end

local originalID, originalStream = ARGV[2], KEYS[1]
local fields, byName = {}, {}
local entries = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
if #entries == 1 then
    local kv = entries[1][2]
    for i = 1, #kv, 2 do
        local name, value = kv[i], kv[i + 1]
        if name == 'retry.original_id' then
            originalID = value
        elseif name == 'retry.original_stream' then
            originalStream = value
        elseif string.sub(name, 1, 6) ~= 'retry.' then
            fields[#fields + 1] = name
            fields[#fields + 1] = value
            byName[name] = value
        end
    end
end
local enqueued = string.match(originalID, '^(%d+)') or ''
local effect = effects.dead_letter(byName, ARGV[9])

local command = {'XADD', KEYS[2], '*',
    'dlq.original_id', originalID, 'dlq.original_stream', originalStream,
    'dlq.source_stream', KEYS[1], 'dlq.source_id', ARGV[2],
    'dlq.topic', ARGV[4], 'dlq.group', ARGV[1], 'dlq.reason', ARGV[5],
    'dlq.deliveries', deliveries, 'dlq.failures', failures,
    'dlq.last_error', lastError, 'dlq.last_consumer', consumer,
    'dlq.enqueued_at', enqueued, 'dlq.first_failed_at', firstFailed,
    'dlq.last_delivered_at', string.format('%d', now - idle), 'dlq.dead_at', string.format('%d', now),
    'dlq.entry_missing', (#entries == 0) and '1' or '0', 'dlq.effect', effect}
for i = 1, #fields do command[#command + 1] = fields[i] end
local id = redis.call(unpack(command))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('HDEL', KEYS[3], ARGV[3])
return {'DEAD', id, deliveries, effect}
"""#

    /// Refreshes this consumer's claim on entries it still owns (`XCLAIM … 0 <ids> JUSTID`: resets
    /// the idle time, leaves the delivery count). Entries another consumer took meanwhile are not
    /// taken back. With an idle time, hands unstarted entries back on shutdown instead: sets that idle
    /// time and takes back the delivery their read counted (`RETRYCOUNT`), since none of them ran.
    static let heartbeat = RedisScript(
        name: "pipeline-heartbeat",
        source: #"""
-- KEYS[1] stream
-- ARGV[1] group   ARGV[2] consumer   ARGV[3] idle ms to set ('' = a refresh: idle 0)   ARGV[4..] entry ids
-- Returns the ids still owned by ARGV[2] and refreshed (or handed back).
local mine, deliveries = {}, {}
for i = 4, #ARGV do
    local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
    if #pending == 1 and pending[1][2] == ARGV[2] then
        mine[#mine + 1] = ARGV[i]
        deliveries[#mine] = pending[1][4]
    end
end
if #mine == 0 then return {} end
if ARGV[3] == '' then
    local command = {'XCLAIM', KEYS[1], ARGV[1], ARGV[2], '0'}
    for i = 1, #mine do command[#command + 1] = mine[i] end
    command[#command + 1] = 'JUSTID'
    return redis.call(unpack(command))
end
for i = 1, #mine do
    local count = math.max(deliveries[i] - 1, 0)
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], '0', mine[i], 'IDLE', ARGV[3], 'RETRYCOUNT', count, 'JUSTID')
end
return mine
"""#
    )

    /// Removes a consumer that owns no pending entry of the stream (XGROUP DELCONSUMER would drop
    /// the pending entries of one that does), so consumer names of finished processes do not pile up.
    static let retireConsumer = RedisScript(
        name: "pipeline-retire-consumer",
        source: #"""
-- KEYS[1] stream   ARGV[1] group   ARGV[2] consumer
-- Returns 1 when the consumer was removed, 0 when it still owns entries (or does not exist).
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local ok, owned = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if not ok or #owned > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
"""#
    )

    /// Trims a stream below the oldest entry any group still needs.
    static let trim = RedisScript(
        name: "pipeline-trim",
        source: #"""
-- KEYS[1] stream
-- ARGV[1] '1' for approximate trimming (XTRIM MINID ~ … LIMIT), '0' for exact
-- ARGV[2] at most this many entries per call when approximate (one bounded step)   ARGV[3..] groups that must exist
-- For every group the oldest entry it still needs is its smallest pending id, or, with nothing pending,
-- its last-delivered id (kept: one entry more than needed, never one less). Entries below the minimum
-- over all groups were delivered to and acknowledged by every group. Undelivered entries are above
-- every last-delivered id, so they are never trimmed.
-- Returns {'TRIMMED', count, threshold}, {'NO_GROUPS'}, {'MISSING_GROUP', name} or {'EMPTY'}.
if redis.call('EXISTS', KEYS[1]) == 0 then return {'EMPTY'} end

local function less(a, b)
    local am, as = string.match(a, '^(%d+)-(%d+)$')
    local bm, bs = string.match(b, '^(%d+)-(%d+)$')
    -- Decimal strings without leading zeros: shorter is smaller; equal length compares as text.
    if am ~= bm then
        if #am ~= #bm then return #am < #bm end
        return am < bm
    end
    if #as ~= #bs then return #as < #bs end
    return as < bs
end

local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
local present = {}
local threshold = nil
for _, info in ipairs(groups) do
    local name, pending, lastDelivered
    for i = 1, #info, 2 do
        if info[i] == 'name' then name = info[i + 1]
        elseif info[i] == 'pending' then pending = info[i + 1]
        elseif info[i] == 'last-delivered-id' then lastDelivered = info[i + 1] end
    end
    present[name] = true
    local keep = lastDelivered
    if pending > 0 then
        local summary = redis.call('XPENDING', KEYS[1], name)
        if summary[2] and less(summary[2], keep) then keep = summary[2] end
    end
    if threshold == nil or less(keep, threshold) then threshold = keep end
end
for i = 3, #ARGV do
    if not present[ARGV[i]] then return {'MISSING_GROUP', ARGV[i]} end
end
if threshold == nil then return {'NO_GROUPS'} end
if threshold == '0-0' then return {'TRIMMED', 0, threshold} end
local trimmed
if ARGV[1] == '1' then
    trimmed = redis.call('XTRIM', KEYS[1], 'MINID', '~', threshold, 'LIMIT', ARGV[2])
else
    trimmed = redis.call('XTRIM', KEYS[1], 'MINID', threshold)
end
return {'TRIMMED', trimmed, threshold}
"""#
    )

    /// Redrives (back to the group's retry stream) or purges dead letters of one partition, with the
    /// group's ``DeadLetterEffects`` and an audit record, or only reports what it would do.
    static func moveDeadLetters(with effects: DeadLetterEffects) -> RedisScript {
        RedisScript(name: scriptName("pipeline-move-dead-letters", effects), source: effects.lua + OperatorAudit.lua + moveDeadLettersSource)
    }

    private static let moveDeadLettersSource = #"""
-- KEYS[1] dead-letter stream   KEYS[2] the group's retry stream   KEYS[3] audit stream
-- ARGV[1] 'redrive' or 'purge'   ARGV[2] '1' for a dry run   ARGV[3] actor
-- ARGV[4] filter: 'all', 'sku' or 'ids'   ARGV[5] filter as text for the audit record
-- ARGV[6] topic   ARGV[7] group   ARGV[8] partition   ARGV[9] the SKU ('sku' filter)
-- ARGV[10] the partition's key prefix, for the effects   ARGV[11..] dead-letter ids ('ids' filter)
-- Redrive: XADD to the retry stream the original fields plus retry.original_id, retry.original_stream,
-- retry.dead_letter_id; XDEL the dead letter. Purge: XDEL only. Each with its effect on the data model
-- (a dry run only says what it would be). Then one audit record (none for a dry run or when nothing
-- matched) that lists the ids and the effects.
-- Returns {'OK', count, audit id or '', then per dead letter: id, effect ('' for none)}.
local action, dryRun, mode = ARGV[1], ARGV[2] == '1', ARGV[4]
local matched = {}

local function wanted(kv)
    if mode ~= 'sku' then return true end
    for i = 1, #kv, 2 do
        if kv[i] == 'sku' then return kv[i + 1] == ARGV[9] end
    end
    return false
end

if mode == 'ids' then
    local seen = {}
    for i = 11, #ARGV do
        if not seen[ARGV[i]] then
            seen[ARGV[i]] = true
            local ok, entries = pcall(redis.call, 'XRANGE', KEYS[1], ARGV[i], ARGV[i])
            if ok and #entries == 1 then matched[#matched + 1] = entries[1] end
        end
    end
else
    local start = '-'
    while true do
        local entries = redis.call('XRANGE', KEYS[1], start, '+', 'COUNT', 500)
        for _, entry in ipairs(entries) do
            if wanted(entry[2]) then matched[#matched + 1] = entry end
        end
        if #entries < 500 then break end
        start = '(' .. entries[#entries][1]
    end
end

local ids, outcomes, effectLines = {}, {}, {}
for _, entry in ipairs(matched) do
    ids[#ids + 1] = entry[1]
    local byName, kv = {}, entry[2]
    for i = 1, #kv, 2 do
        if string.sub(kv[i], 1, 4) ~= 'dlq.' then byName[kv[i]] = kv[i + 1] end
    end
    local effect = effects[action](byName, ARGV[10], not dryRun)
    outcomes[#outcomes + 1] = entry[1]
    outcomes[#outcomes + 1] = effect
    if effect ~= '' then effectLines[#effectLines + 1] = entry[1] .. ': ' .. effect end
end
local function reply(audit)
    local answer = {'OK', #matched, audit}
    for _, value in ipairs(outcomes) do answer[#answer + 1] = value end
    return answer
end
if dryRun or #matched == 0 then return reply('') end

for _, entry in ipairs(matched) do
    if action == 'redrive' then
        local kv = entry[2]
        local command = {'XADD', KEYS[2], '*'}
        local originalID, originalStream = entry[1], KEYS[1]
        for i = 1, #kv, 2 do
            local name, value = kv[i], kv[i + 1]
            if name == 'dlq.original_id' then originalID = value
            elseif name == 'dlq.original_stream' then originalStream = value
            elseif string.sub(name, 1, 4) ~= 'dlq.' then
                command[#command + 1] = name
                command[#command + 1] = value
            end
        end
        command[#command + 1] = 'retry.original_id'
        command[#command + 1] = originalID
        command[#command + 1] = 'retry.original_stream'
        command[#command + 1] = originalStream
        command[#command + 1] = 'retry.dead_letter_id'
        command[#command + 1] = entry[1]
        redis.call(unpack(command))
    end
    redis.call('XDEL', KEYS[1], entry[1])
end

local clock = redis.call('TIME')
local now = clock[1] * 1000 + math.floor(clock[2] / 1000)
-- At most 1000 of each in the record, so one purge of a huge backlog cannot make a huge entry.
local function listed(values, separator)
    local text = table.concat(values, separator, 1, math.min(#values, 1000))
    if #values > 1000 then text = text .. separator .. '…' end
    return text
end
local audit = auditRecord(KEYS[3], action, ARGV[3], now,
    'topic', ARGV[6], 'group', ARGV[7], 'partition', ARGV[8], 'filter', ARGV[5],
    'count', #ids, 'ids', listed(ids, ' '), 'effects', listed(effectLines, '; '))
return reply(audit)
"""#
}

// One typed call per script: each lays out the KEYS and ARGV its Lua above reads, so no call site
// builds them by position.
extension ScriptCall {
    /// ``PipelineScripts/ack`` of `ids`, all of `stream`.
    static func ack(_ ids: [String], of stream: GroupStream, group: String) -> ScriptCall {
        ScriptCall(
            PipelineScripts.ack,
            keys: [stream.key, stream.lastErrorKey],
            arguments: [group, stream.kind.rawValue + ":"] + ids
        )
    }

    /// ``PipelineScripts/recordFailure`` of entry `id` of `stream`, failed by `consumer` with `error`.
    static func recordFailure(_ id: String, of stream: GroupStream, group: String, consumer: String, error: String) -> ScriptCall {
        ScriptCall(
            PipelineScripts.recordFailure,
            keys: [stream.key, stream.lastErrorKey],
            arguments: [group, stream.kind.errorField(id), id, consumer, error]
        )
    }

    /// ``PipelineScripts/deadLetter`` of entry `id` of `stream`. With `minDeliveries` and
    /// `minIdleMilliseconds` above 0 it moves the entry only while both still hold (a sweep); `error`
    /// empty keeps the recorded last error.
    static func deadLetter(
        _ id: String,
        of stream: GroupStream,
        subscription: Subscription,
        reason: DeadLetterReason,
        error: String,
        minDeliveries: Int = 0,
        minIdleMilliseconds: Int64 = 0
    ) -> ScriptCall {
        ScriptCall(
            PipelineScripts.deadLetter(with: subscription.deadLetterEffects),
            keys: [stream.key, stream.deadLetterKey, stream.lastErrorKey],
            arguments: [
                subscription.group, id, stream.kind.errorField(id), stream.topic.rawValue, reason.rawValue, error,
                String(minDeliveries), String(minIdleMilliseconds), stream.partitionTag,
            ]
        )
    }

    /// ``PipelineScripts/heartbeat``: `consumer` keeps its claim on `ids` of `stream`; with
    /// `idleMilliseconds` it also sets their idle time (the shutdown hand-back).
    static func heartbeat(_ ids: [String], of stream: String, group: String, consumer: String, idleMilliseconds: Int64? = nil) -> ScriptCall {
        ScriptCall(
            PipelineScripts.heartbeat,
            keys: [stream],
            arguments: [group, consumer, idleMilliseconds.map(String.init) ?? ""] + ids
        )
    }

    /// ``PipelineScripts/retireConsumer``: removes `consumer` from `group` on `stream` if it owns nothing.
    static func retireConsumer(_ consumer: String, of stream: String, group: String) -> ScriptCall {
        ScriptCall(PipelineScripts.retireConsumer, keys: [stream], arguments: [group, consumer])
    }

    /// ``PipelineScripts/trim`` of `stream`, below what every group of `requiredGroups` still needs;
    /// approximate trimming removes at most `stepLimit` entries.
    static func trim(_ stream: String, requiredGroups: [String], approximate: Bool, stepLimit: Int) -> ScriptCall {
        ScriptCall(
            PipelineScripts.trim, keys: [stream], arguments: [approximate ? "1" : "0", String(stepLimit)] + requiredGroups
        )
    }

    /// ``PipelineScripts/moveDeadLetters`` of one partition: redrive or purge what `filter` selects.
    static func moveDeadLetters(
        _ action: RedriveReport.Action,
        filter: RedriveFilter,
        ids: [String],
        subscription: Subscription,
        partition: Int,
        dryRun: Bool,
        actor: String,
        keys: KeySpace
    ) -> ScriptCall {
        let (mode, sku): (String, String) =
            switch filter {
            case .all: ("all", "")
            case .sku(let value): ("sku", value)
            case .ids: ("ids", "")
            }
        let topic = subscription.topic
        return ScriptCall(
            PipelineScripts.moveDeadLetters(with: subscription.deadLetterEffects),
            keys: [
                keys.deadLetterStream(topic, group: subscription.group, partition: partition),
                keys.retryStream(topic, group: subscription.group, partition: partition),
                keys.auditStream(partition: partition),
            ],
            arguments: [
                action.rawValue, dryRun ? "1" : "0", actor, mode, filter.description,
                topic.rawValue, subscription.group, String(partition), sku, keys.tag(partition),
            ] + ids
        )
    }
}
