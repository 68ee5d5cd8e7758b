/**
 * What a node does in Redis, each step one Lua script so that it is atomic: two nodes can never
 * hand out the same nick, and room lines are numbered, kept and published in one order.
 * Every script gets the cluster's key prefix as ARGV[1] and this instance as ARGV[2]. Nicks come
 * with their keys, made by the same rule as everywhere else (Lua's lower-casing knows only ASCII).
 *
 * Keys under the prefix: `nicks` (hash: nick key -> member JSON), `node:INSTANCE` (alive while
 * it has not expired), `seq` and `guests` (counters), `epoch` and `born`, `history` (a stream of room
 * batches), and the pub/sub channel `bus`.
 */

/** Shared: is the instance that holds a member still alive? And the time now, in ms, to say since when a nick is held. */
const LIVE = `
local p, instance = ARGV[1], ARGV[2]
local function live(owner)
  return owner.instance == instance or redis.call('EXISTS', p .. 'node:' .. owner.instance) == 1
end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
`;

/**
 * Joining (again): mark this instance alive, name the history, and return
 * { epoch, members of live instances (JSON), the last room batches newest first (JSON), born }.
 * `born` names this Redis's copy of the cluster: made with the epoch, so a node that finds another
 * one than it knew is told the history was lost (a Redis restarted empty). A node that knew an
 * epoch proposes it again, so its clients' resume points still hold, and sequence numbers go on
 * after the last one it heard rather than start over.
 * ARGV: prefix, instance, node, ttl ms, batches to return, an epoch to use if there is none,
 * a born to use with it, the last sequence number this node heard.
 */
export const JOIN = `${LIVE}
redis.call('SET', p .. 'node:' .. instance, ARGV[3], 'PX', ARGV[4])
local epoch = redis.call('GET', p .. 'epoch')
local born = redis.call('GET', p .. 'born')
if not epoch then
  epoch = ARGV[6]
  redis.call('SET', p .. 'epoch', epoch)
  born = false
end
if not born then
  born = ARGV[7]
  redis.call('SET', p .. 'born', born)
end
if tonumber(redis.call('GET', p .. 'seq') or '0') < tonumber(ARGV[8]) then redis.call('SET', p .. 'seq', ARGV[8]) end
local members = {}
local all = redis.call('HGETALL', p .. 'nicks')
for i = 1, #all, 2 do
  if live(cjson.decode(all[i + 1])) then table.insert(members, all[i + 1]) end
end
local batches = {}
for _, entry in ipairs(redis.call('XREVRANGE', p .. 'history', '+', '-', 'COUNT', ARGV[5])) do
  table.insert(batches, entry[2][2])
end
return { epoch, members, batches, born }
`;

/**
 * Room lines: numbered after the last ones, kept in the bounded stream, published.
 * ARGV: prefix, instance, stream length, line count, the batch as JSON without its first number.
 */
export const ROOM = `
local p, count = ARGV[1], tonumber(ARGV[4])
local last = redis.call('INCRBY', p .. 'seq', count)
local message = '{"type":"room","first":' .. (last - count + 1) .. ',' .. string.sub(ARGV[5], 2)
redis.call('XADD', p .. 'history', 'MAXLEN', '~', ARGV[3], '*', 'b', message)
redis.call('PUBLISH', p .. 'bus', message)
return last
`;

/**
 * A nick for a member: the one asked for, unless a live instance holds it for another session
 * (the same session on another node is a client that moved: that node is told to let go), or
 * the next free guest nick. Gives up the member's previous nick. Returns { nick, since when it is
 * held (ms) }, or '' if taken.
 * ARGV: prefix, instance, node, session ('' for none), nick and key ('' for a guest), previous nick and key ('').
 */
export const CLAIM = `${LIVE}
local node, session, nick, key, previous, previousKey = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
if nick == '' then
  repeat
    nick = 'guest-' .. redis.call('INCR', p .. 'guests')
    -- the nick's nickKey (its look-alike skeleton), which maps only 0 and 1 of a guest nick's characters
    key = (string.gsub(nick, '[01]', { ['0'] = 'o', ['1'] = 'l' }))
    local held = redis.call('HGET', p .. 'nicks', key)
  until not held or not live(cjson.decode(held))
else
  local held = redis.call('HGET', p .. 'nicks', key)
  if held then
    local owner = cjson.decode(held)
    if owner.instance ~= instance and live(owner) then
      if session == '' or owner.session ~= session then return '' end
      redis.call('PUBLISH', p .. 'bus', cjson.encode({ type = 'taken', nick = owner.nick, instance = owner.instance }))
    end
  end
end
local member = { nick = nick, node = node, instance = instance }
redis.call('HSET', p .. 'nicks', key, cjson.encode({ nick = nick, node = node, instance = instance, session = session, since = now }))
if previous ~= '' then
  if previousKey ~= key then
    local held = redis.call('HGET', p .. 'nicks', previousKey)
    if held and cjson.decode(held).instance == instance then redis.call('HDEL', p .. 'nicks', previousKey) end
  end
  redis.call('PUBLISH', p .. 'bus', cjson.encode({ type = 'renamed', from = previous, member = member }))
else
  redis.call('PUBLISH', p .. 'bus', cjson.encode({ type = 'joined', member = member }))
end
return { nick, now }
`;

/** A member left: its nick is free, if this instance still holds it. ARGV: prefix, instance, nick key. */
export const RELEASE = `
local p, instance, key = ARGV[1], ARGV[2], ARGV[3]
local held = redis.call('HGET', p .. 'nicks', key)
if not held then return 0 end
local owner = cjson.decode(held)
if owner.instance ~= instance then return 0 end
redis.call('HDEL', p .. 'nicks', key)
redis.call('PUBLISH', p .. 'bus', cjson.encode({ type = 'left', member = { nick = owner.nick, node = owner.node, instance = instance } }))
return 1
`;

/**
 * After joining: this instance holds exactly the given nicks, and sequence numbers go on
 * after the highest this node has handed out. A nick a live instance took meanwhile is refused
 * (its 0-based position is returned), unless this member held it since before: then the later
 * holder's instance is told to give it up (`ousted`). The others hear who its members are, and how many
 * room lines said on it never crossed (while it was apart), so they can tell their people.
 * ARGV: prefix, instance, node, last sequence number, lines that never crossed, then nick, key,
 * session and since when held (ms, 0 for unknown) for each member.
 */
export const SYNC = `${LIVE}
local node = ARGV[3]
local all = redis.call('HGETALL', p .. 'nicks')
for i = 1, #all, 2 do
  if cjson.decode(all[i + 1]).instance == instance then redis.call('HDEL', p .. 'nicks', all[i]) end
end
if tonumber(redis.call('GET', p .. 'seq') or '0') < tonumber(ARGV[4]) then redis.call('SET', p .. 'seq', ARGV[4]) end
local refused, members = {}, {}
for i = 6, #ARGV, 4 do
  local key, since = ARGV[i + 1], tonumber(ARGV[i + 3])
  local held = redis.call('HGET', p .. 'nicks', key)
  local owner = held and cjson.decode(held)
  local first = since > 0 and owner and owner.since and since < owner.since
  if owner and live(owner) and not first then
    table.insert(refused, (i - 6) / 4)
  else
    if owner and live(owner) then
      redis.call('PUBLISH', p .. 'bus', cjson.encode({ type = 'ousted', nick = owner.nick, instance = owner.instance }))
    end
    if since == 0 then since = now end
    redis.call('HSET', p .. 'nicks', key, cjson.encode({ nick = ARGV[i], node = node, instance = instance, session = ARGV[i + 2], since = since }))
    table.insert(members, cjson.encode({ nick = ARGV[i], node = node, instance = instance }))
  end
end
local missed = ''
if tonumber(ARGV[5]) > 0 then missed = ',"missed":{"node":' .. cjson.encode(node) .. ',"lines":' .. tonumber(ARGV[5]) .. '}' end
redis.call('PUBLISH', p .. 'bus', '{"type":"synced","instance":' .. cjson.encode(instance) .. missed .. ',"members":[' .. table.concat(members, ',') .. ']}')
return refused
`;

/** Still alive: the key that says so is renewed, and the others hear it. ARGV: prefix, instance, node, ttl ms. */
export const HEARTBEAT = `
local p, instance = ARGV[1], ARGV[2]
redis.call('SET', p .. 'node:' .. instance, ARGV[3], 'PX', ARGV[4])
redis.call('PUBLISH', p .. 'bus', cjson.encode({ type = 'beat', instance = instance, node = ARGV[3] }))
return 1
`;

/** An instance went silent: if its key has expired too, the nicks it held are free. ARGV: prefix, instance, the silent one. */
export const FORGET = `
local p, silent = ARGV[1], ARGV[3]
if redis.call('EXISTS', p .. 'node:' .. silent) == 1 then return 0 end
local all = redis.call('HGETALL', p .. 'nicks')
for i = 1, #all, 2 do
  if cjson.decode(all[i + 1]).instance == silent then redis.call('HDEL', p .. 'nicks', all[i]) end
end
return 1
`;
