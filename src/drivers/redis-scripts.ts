/**
 * What a node does in Redis, each step one Lua script so that it is atomic: two nodes can never
 * hand out the same nick, and room lines are numbered, kept and published in one order.
 * Every script gets the cluster's key prefix as ARGV[1] and this instance as ARGV[2]. Nicks come
 * with their keys, made by the core's rule (Lua's lower-casing knows only ASCII).
 *
 * Keys under the prefix: `nicks` (hash: nick key -> member JSON, with its room), `node:INSTANCE`
 * (alive while it has not expired), `seq` and `guests` (counters: one sequence for every room),
 * `epoch` and `born`, per room `history:ROOM` (a list of its room batches, newest first),
 * `in:ROOM` (a set: the nick keys of its members), `rooms` (the rooms that have a history), `missed`
 * (a list: the latest reports of room lines that never crossed), and the pub/sub channel `bus`.
 * A room no live member is in is forgotten (but the first room); its keys also expire a day after
 * their last use, should nobody be left to forget it (every node gone at once).
 * `facts` (hash: fact key -> fact JSON) holds what the cluster keeps for good (registrations,
 * operators, bans, mutes, topics): it never expires. `link:INSTANCE` numbers the instance's latest
 * link to Redis that joined (for a day): room lines sent on an older link are refused.
 * `privates:INSTANCE` (a list, for a day) keeps the latest private lines to the members of an
 * instance, numbered by `privates:INSTANCE:n`, for when its link to Redis was dead as they came.
 */

/** How many reports of lines that never crossed Redis keeps for the nodes apart when they were made. */
export const MISSED_KEPT = 100;

/** How many private lines to an instance's members Redis keeps for it (see PRIVATE). */
export const PRIVATES_KEPT = 10_000;

/** Shared: is the instance that holds a member still alive? And the time now, in ms, to say since when a nick is held. */
const LIVE = `
local p, instance = ARGV[1], ARGV[2]
local DAY = 86400000
-- Who a member's client is, for the other nodes: a digest of its session (none for a plain client).
local function clientOf(session)
  if session and session ~= '' then return redis.sha1hex(session) end
  return nil
end
local function live(owner)
  return owner.instance == instance or redis.call('EXISTS', p .. 'node:' .. owner.instance) == 1
end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
-- Whether a request came on a link older than the one the instance is on (a dead route that came
-- back late), or on the one the cluster forgot it on (see FORGET): it is refused.
local function letGo(link)
  return tonumber(redis.call('GET', p .. 'link:' .. instance) or '0') > tonumber(link or '0')
end
`;

/**
 * Shared by the scripts that change who is in a room (after LIVE). Members are written through
 * `hold` and `drop` alone, so each room's set of nick keys (`in:ROOM`) stays true, and
 * whether a room is still in use is found without reading every member.
 */
const ROOMS = `
local function historyOf(room)
  return p .. 'history:' .. room
end
local function inRoom(room)
  return p .. 'in:' .. room
end
local function touch(room)
  redis.call('SADD', p .. 'rooms', room)
  redis.call('PEXPIRE', historyOf(room), DAY)
end
local function hold(key, record)
  local old = redis.call('HGET', p .. 'nicks', key)
  old = old and cjson.decode(old)
  if old and old.room and old.room ~= record.room then redis.call('SREM', inRoom(old.room), key) end
  redis.call('HSET', p .. 'nicks', key, cjson.encode(record))
  redis.call('SADD', inRoom(record.room), key)
end
local function drop(key, owner)
  redis.call('HDEL', p .. 'nicks', key)
  if owner.room then redis.call('SREM', inRoom(owner.room), key) end
end
-- Whether a live member is in the room: it stops at the first one.
local function inUse(room)
  local cursor = '0'
  repeat
    local page = redis.call('SSCAN', inRoom(room), cursor, 'COUNT', 100)
    cursor = page[1]
    for _, key in ipairs(page[2]) do
      local held = redis.call('HGET', p .. 'nicks', key)
      local owner = held and cjson.decode(held)
      if owner and owner.room == room and live(owner) then return true end
    end
  until cursor == '0'
  return false
end
local function forget(room)
  redis.call('DEL', historyOf(room))
  redis.call('SREM', p .. 'rooms', room)
end
-- After members left \`rooms\` (a set): those no live member is in any more are forgotten, but the first.
local function forgetEmpty(rooms, first)
  for room in pairs(rooms) do
    if room ~= first and not inUse(room) then forget(room) end
  end
end
`;

/**
 * Joining (again): mark this instance alive, name the history, and return { epoch, members of
 * live instances (JSON), the last room batches of every live room (JSON, each room's newest
 * first), born, every fact (JSON), the instances whose members Redis still holds though their
 * presence has expired (a pause of Redis longer than the TTL: they may be on their way back) }. A live room is the first room or one a live
 * member is in; the others are forgotten here (their members' nodes went while nobody was left to).
 * `born` names this Redis's copy of the cluster: made with the epoch, so a node that finds another
 * one than it knew is told the history was lost (a Redis restarted empty). A node that knew an
 * epoch proposes it again, so its clients' resume points still hold, and sequence numbers go on
 * after the last one it heard rather than start over.
 * The link it joins on is numbered: from now on room lines from an older link are refused (ROOM).
 * ARGV: prefix, instance, node, ttl ms, batches to return per room, an epoch to use if there is
 * none, a born to use with it, the last sequence number this node heard, the first room, the link.
 */
export const JOIN = `${LIVE}${ROOMS}
redis.call('SET', p .. 'node:' .. instance, ARGV[3], 'PX', ARGV[4])
-- A late join on a link let go before (a dead route that came back) does not take over from a newer one.
if tonumber(redis.call('GET', p .. 'link:' .. instance) or '0') < tonumber(ARGV[10]) then
  redis.call('SET', p .. 'link:' .. instance, ARGV[10], 'PX', DAY)
end
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
local members, expired, listed = {}, {}, {}
local all = redis.call('HGETALL', p .. 'nicks')
for i = 1, #all, 2 do
  local owner = cjson.decode(all[i + 1])
  if live(owner) then
    table.insert(members, all[i + 1])
  elseif owner.instance and not listed[owner.instance] then
    listed[owner.instance] = true
    table.insert(expired, owner.instance)
  end
end
local first, kept = ARGV[9], {}
kept[first] = true
for _, room in ipairs(redis.call('SMEMBERS', p .. 'rooms')) do
  if room == first or inUse(room) then kept[room] = true else forget(room) end
end
local batches = {}
for room in pairs(kept) do
  for _, batch in ipairs(redis.call('LRANGE', historyOf(room), 0, tonumber(ARGV[5]) - 1)) do table.insert(batches, batch) end
end
return { epoch, members, batches, born, redis.call('HVALS', p .. 'facts'), expired }
`;

/**
 * Room lines: numbered after the last ones (of any room), kept in their room's list (at most
 * the history size of batches, so at least as many lines), published. Lines that come on a link
 * older than the one the instance joined on last are refused (0): it let go of that link and
 * handed them back, as never sent; a dead route that comes back may still deliver them late.
 * ARGV: prefix, instance, history size, line count, room, the batch as JSON without its first number, the link.
 */
export const ROOM = `${LIVE}${ROOMS}
if letGo(ARGV[7]) then return 0 end
local count, room = tonumber(ARGV[4]), ARGV[5]
local last = redis.call('INCRBY', p .. 'seq', count)
local message = '{"type":"room","first":' .. (last - count + 1) .. ',' .. string.sub(ARGV[6], 2)
local history = historyOf(room)
redis.call('LPUSH', history, message)
redis.call('LTRIM', history, 0, tonumber(ARGV[3]) - 1)
touch(room)
redis.call('PUBLISH', p .. 'bus', message)
return last
`;

/**
 * A nick for a member: the one asked for, unless a live instance holds it for another session
 * (the same session on another node is a client that moved: that node is told to let go), or
 * the next free guest nick. Gives up the member's previous nick, and stays in its room (a new
 * member is in the first room). Returns { nick, since when it is held (ms), its key }, or '' if taken.
 * One on a link let go is refused ('': a dead route delivering it late must not hold a nick nobody has).
 * ARGV: prefix, instance, node, session ('' for none), nick and key ('' for a guest), previous nick and key (''), the first room, the link.
 */
export const CLAIM = `${LIVE}${ROOMS}
if letGo(ARGV[10]) then return '' end
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
local room = ARGV[9]
local before = previous ~= '' and redis.call('HGET', p .. 'nicks', previousKey)
before = before and cjson.decode(before)
if before and before.instance == instance then
  room = before.room or room
  if previousKey ~= key then drop(previousKey, before) end
end
local member = { nick = nick, node = node, instance = instance, room = room, client = clientOf(session) }
hold(key, { nick = nick, node = node, instance = instance, room = room, session = session, since = now })
if previous ~= '' then
  redis.call('PUBLISH', p .. 'bus', cjson.encode({ type = 'renamed', from = previous, member = member }))
else
  redis.call('PUBLISH', p .. 'bus', cjson.encode({ type = 'joined', member = member }))
end
return { nick, now, key }
`;

/**
 * A member left: its nick is free, if this instance still holds it; `away` when its client lost its
 * link. ARGV: prefix, instance, nick key, the first room, '1' when away.
 */
export const RELEASE = `${LIVE}${ROOMS}
local key = ARGV[3]
local held = redis.call('HGET', p .. 'nicks', key)
if not held then return 0 end
local owner = cjson.decode(held)
if owner.instance ~= instance then return 0 end
drop(key, owner)
if owner.room then forgetEmpty({ [owner.room] = true }, ARGV[4]) end
redis.call('PUBLISH', p .. 'bus', cjson.encode({ type = 'left', away = ARGV[5] == '1' or nil, member = { nick = owner.nick, node = owner.node, instance = instance, room = owner.room } }))
return 1
`;

/**
 * A member moves to another room (if this instance holds its nick): every node hears `moved`,
 * this one too. The room it left is forgotten if it is empty now.
 * ARGV: prefix, instance, nick key, room, the first room.
 */
export const MOVE = `${LIVE}${ROOMS}
local key, room = ARGV[3], ARGV[4]
local held = redis.call('HGET', p .. 'nicks', key)
if not held then return 0 end
local owner = cjson.decode(held)
if owner.instance ~= instance or owner.room == room then return 0 end
local from = owner.room or ARGV[5]
owner.room = room
hold(key, owner)
touch(room)
forgetEmpty({ [from] = true }, ARGV[5])
redis.call('PUBLISH', p .. 'bus', cjson.encode({ type = 'moved', from = from, member = { nick = owner.nick, node = owner.node, instance = instance, room = room, client = clientOf(owner.session) } }))
return 1
`;

/**
 * After joining: this instance holds exactly the given nicks, and sequence numbers go on
 * after the highest this node has handed out. A nick a live instance took meanwhile is refused
 * (its 0-based position is returned), unless this member held it since before: then the later
 * holder's instance is told to give it up (`ousted`). The others hear who its members are, and how many
 * room lines said on it never crossed (while it was apart), so they can tell their people; that
 * report is also kept (the last MISSED_KEPT, in `missed`, for a day), for the nodes apart now.
 * Rooms its members no longer are in, and nobody else either, are forgotten.
 * ARGV: prefix, instance, node, last sequence number, lines that never crossed, the first room, 1 when
 * the node stops (its members left with it) else 0, then nick, key, session, since when held (ms on
 * Redis's clock, 0 for unknown) and room for each member.
 */
export const SYNC = `${LIVE}${ROOMS}
local MISSED_KEPT = ${MISSED_KEPT}
local node = ARGV[3]
local all = redis.call('HGETALL', p .. 'nicks')
local left = {}
for i = 1, #all, 2 do
  local owner = cjson.decode(all[i + 1])
  if owner.instance == instance then
    drop(all[i], owner)
    if owner.room then left[owner.room] = true end
  end
end
if tonumber(redis.call('GET', p .. 'seq') or '0') < tonumber(ARGV[4]) then redis.call('SET', p .. 'seq', ARGV[4]) end
local refused, members = {}, {}
for i = 8, #ARGV, 5 do
  local key, since, room = ARGV[i + 1], tonumber(ARGV[i + 3]), ARGV[i + 4]
  local held = redis.call('HGET', p .. 'nicks', key)
  local owner = held and cjson.decode(held)
  local first = since > 0 and owner and owner.since and since < owner.since
  if owner and live(owner) and not first then
    table.insert(refused, (i - 8) / 5)
  else
    if owner and live(owner) then
      redis.call('PUBLISH', p .. 'bus', cjson.encode({ type = 'ousted', nick = owner.nick, instance = owner.instance }))
    end
    if since == 0 then since = now end
    hold(key, { nick = ARGV[i], node = node, instance = instance, room = room, session = ARGV[i + 2], since = since })
    table.insert(members, cjson.encode({ nick = ARGV[i], node = node, instance = instance, room = room, client = clientOf(ARGV[i + 2]) }))
    touch(room)
  end
end
forgetEmpty(left, ARGV[6])
local missed = ''
if tonumber(ARGV[5]) > 0 then
  local report = cjson.encode({ node = node, lines = tonumber(ARGV[5]), instance = instance, id = instance .. ':' .. now })
  missed = ',"missed":' .. report
  -- Kept too, for the nodes apart now: they read it when they join again.
  redis.call('RPUSH', p .. 'missed', report)
  redis.call('LTRIM', p .. 'missed', -MISSED_KEPT, -1)
  redis.call('PEXPIRE', p .. 'missed', DAY)
end
local stopping = ARGV[7] == '1' and ',"stopping":true' or ''
redis.call('PUBLISH', p .. 'bus', '{"type":"synced","instance":' .. cjson.encode(instance) .. missed .. stopping .. ',"members":[' .. table.concat(members, ',') .. ']}')
return refused
`;

/**
 * Still alive: the key that says so is renewed, and the others hear it; so is the numbering of its
 * mailbox (PRIVATE), which must not start again under a node that goes on counting, and how far it
 * has read it (the senders of what it had not, should it go silent, are told). Returns Redis's time
 * (ms), for the node to time the nicks its people take while apart on the clock every node shares.
 * One on a link let go is refused (0): a late beat would bring a forgotten node back to life.
 * ARGV: prefix, instance, node, ttl ms, the last number of its mailbox it read, the link.
 */
export const HEARTBEAT = `${LIVE}
if letGo(ARGV[6]) then return 0 end
redis.call('SET', p .. 'node:' .. instance, ARGV[3], 'PX', ARGV[4])
redis.call('PEXPIRE', p .. 'privates:' .. instance .. ':n', DAY)
redis.call('SET', p .. 'privates:' .. instance .. ':heard', ARGV[5], 'PX', DAY)
redis.call('PUBLISH', p .. 'bus', cjson.encode({ type = 'beat', instance = instance, node = ARGV[3] }))
return now
`;

/**
 * An instance went silent: if its key has expired too, the nicks it held are free, the rooms only
 * its members were in are forgotten, and the link it was on is let go (see LIVE's letGo).
 * ARGV: prefix, instance, the silent one, the first room.
 */
export const FORGET = `${LIVE}${ROOMS}
local silent = ARGV[3]
-- Its link is let go (its people were told it is gone, even should its key outlast the silence
-- a little): what a dead route still carries of it (room lines, a nick claimed, a beat) is
-- refused if it comes before the node joins again, on a newer link (its number is above this).
local link = tonumber(redis.call('GET', p .. 'link:' .. silent) or '0')
if link < math.floor(link) + 0.5 then redis.call('SET', p .. 'link:' .. silent, math.floor(link) + 0.5, 'PX', DAY) end
if redis.call('EXISTS', p .. 'node:' .. silent) == 1 then return 0 end
local all = redis.call('HGETALL', p .. 'nicks')
local left = {}
for i = 1, #all, 2 do
  local owner = cjson.decode(all[i + 1])
  if owner.instance == silent then
    drop(all[i], owner)
    if owner.room then left[owner.room] = true end
  end
end
forgetEmpty(left, ARGV[4])
return 1
`;

/**
 * A fact for the whole cluster: kept under its key (a lifted one removes it), and told to the
 * other nodes. One that must be first (a registration) is refused when another fact holds its
 * key: the one held is returned, else ''.
 * ARGV: prefix, instance, fact key, fact JSON, '1' when lifted, '1' when it must be first.
 */
export const FACT = `
local p, instance, key, fact = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if ARGV[5] == '1' then
  redis.call('HDEL', p .. 'facts', key)
else
  local held = redis.call('HGET', p .. 'facts', key)
  if ARGV[6] == '1' and held and held ~= fact then return held end
  redis.call('HSET', p .. 'facts', key, fact)
end
redis.call('PUBLISH', p .. 'bus', '{"type":"fact","instance":' .. cjson.encode(instance) .. ',"fact":' .. fact .. '}')
return ''
`;

/**
 * A private line to a member of another instance: numbered in that instance's mailbox, kept there
 * (the last PRIVATES_KEPT, for a day) and published. Pub/sub keeps nothing: an instance whose link
 * to Redis had died unnoticed (a dead route) reads what it did not hear from there as it joins again.
 * One that comes on a link older than the one its sender joined on last is refused (0), as ROOM's
 * lines are: the sender let go of that link and told its sender the line did not go out.
 * Returns its number. ARGV: prefix, instance, the target instance, the message as JSON without its number, the link.
 */
export const PRIVATE = `${LIVE}
if letGo(ARGV[5]) then return 0 end
local box = p .. 'privates:' .. ARGV[3]
local n = redis.call('INCR', box .. ':n')
local message = '{"n":' .. n .. ',' .. string.sub(ARGV[4], 2)
redis.call('RPUSH', box, message)
redis.call('LTRIM', box, -${PRIVATES_KEPT}, -1)
redis.call('PEXPIRE', box, DAY)
redis.call('PEXPIRE', box .. ':n', DAY)
redis.call('PUBLISH', p .. 'bus', message)
return n
`;
