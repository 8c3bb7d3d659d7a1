package quota

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisCounter keeps counters in Redis (standalone, Sentinel or Cluster via
// redis.UniversalClient). Each decision is one Lua script over one budget's
// four keys, which share the hash tag {budget} and so live in one slot:
//
//	<prefix>{<budget>}:b   hash  bucket start ms → committed count
//	<prefix>{<budget>}:rd  zset  reservation id, scored by its expiry ms
//	<prefix>{<budget>}:rn  hash  reservation id → recipients
//	<prefix>{<budget>}:rp  string  total pending recipients
//
// A script that adds to a key refreshes its TTL to Window+Bucket(+the
// reservation's TTL)+1 min: Reserve the three reservation keys, Commit and
// Add the bucket hash, settling expired reservations all four; Release only
// removes and touches none. So every key outlives what it holds (a bucket
// leaves the window by then, a reservation expires), and an idle budget
// costs nothing after a day. Memory per budget is bounded by
// the bucket count plus the reservations in flight.
type RedisCounter struct {
	c    redis.UniversalClient
	pipe pipeliner
	// keyCache maps a budget to its keys; keyCount bounds it.
	keyCache sync.Map
	keyCount atomic.Int64
	boxed    atomic.Pointer[boxedArgs]
	prefix   string
	reserve  *redis.Script
	commit   *redis.Script
	release  *redis.Script
	usage    *redis.Script
	add      *redis.Script
}

var _ Counter = (*RedisCounter)(nil)

// NewRedisCounter returns a counter on c whose keys start with prefix
// (e.g. "outpost:quota:"). Braces in prefix are removed, so the budget's hash
// tag is the only one in each key.
func NewRedisCounter(c redis.UniversalClient, prefix string) *RedisCounter {
	prefix = strings.NewReplacer("{", "", "}", "").Replace(prefix)
	return &RedisCounter{
		c:       c,
		pipe:    pipeliner{c: c},
		prefix:  prefix,
		reserve: redis.NewScript(luaSettle + luaSum + luaReserve),
		commit:  redis.NewScript(luaSettle + luaCommit),
		release: redis.NewScript(luaSettle + luaRelease),
		usage:   redis.NewScript(luaSettle + luaSum + luaUsage),
		add:     redis.NewScript(luaSettle + luaAdd),
	}
}

// keys returns the one budget's keys; it is the only place key names are
// made. They are cached per budget (go-redis copies them, never changes
// them), up to maxKeyCache budgets, then the cache starts over.
func (rc *RedisCounter) keys(budget string) []string {
	if k, ok := rc.keyCache.Load(budget); ok {
		return k.([]string)
	}
	base := rc.prefix + "{" + budget + "}"
	k := []string{base + ":b", base + ":rd", base + ":rn", base + ":rp"}
	if rc.keyCount.Add(1) > maxKeyCache {
		rc.keyCache.Clear()
		rc.keyCount.Store(1)
	}
	rc.keyCache.Store(budget, k)
	return k
}

const maxKeyCache = 100_000

// boxedArgs holds the script arguments that only change with the Config,
// already converted to interface values, so calls do not allocate them.
type boxedArgs struct {
	window, width int64
	args          [2]any
}

const luaSettle = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local width = tonumber(ARGV[3])
local keyttl = tonumber(ARGV[4])
local function bucket(t) return string.format('%d', t - (t % width)) end
local function touch(first, last)
  for i = first, last do redis.call('PEXPIRE', KEYS[i], keyttl) end
end
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'WITHSCORES')
for i = 1, #expired, 2 do
  local id = expired[i]
  local n = tonumber(redis.call('HGET', KEYS[3], id) or '0')
  if n > 0 then
    redis.call('HINCRBY', KEYS[1], bucket(tonumber(expired[i+1])), n)
    redis.call('DECRBY', KEYS[4], n)
  end
  redis.call('HDEL', KEYS[3], id)
  redis.call('ZREM', KEYS[2], id)
end
if #expired > 0 then touch(1, 4) end
`

// Sums the buckets still in the window and drops the others.
const luaSum = `
local cutoff = now - window
local committed = 0
local list = {}
local flat = redis.call('HGETALL', KEYS[1])
for i = 1, #flat, 2 do
  local s = tonumber(flat[i])
  if s + width <= cutoff then
    redis.call('HDEL', KEYS[1], flat[i])
  else
    local c = tonumber(flat[i+1])
    committed = committed + c
    list[#list+1] = s
    list[#list+1] = c
  end
end
local pending = tonumber(redis.call('GET', KEYS[4]) or '0')
if pending < 0 then pending = 0 end
local function result(ok)
  local out = {ok, committed, pending}
  for i = 1, #list do out[#out+1] = list[i] end
  return out
end
`

// ARGV[5] n, ARGV[6] limit, ARGV[7] id, ARGV[8] expires ms.
const luaReserve = `
local n = tonumber(ARGV[5])
if committed + pending + n > tonumber(ARGV[6]) then
  return result(0)
end
redis.call('ZADD', KEYS[2], tonumber(ARGV[8]), ARGV[7])
redis.call('HSET', KEYS[3], ARGV[7], n)
redis.call('INCRBY', KEYS[4], n)
touch(2, 4)
return {1, committed, pending}
`

// ARGV[5] id, ARGV[6] how many to count (0: all; the rest is dropped).
const luaCommit = `
local n = tonumber(redis.call('HGET', KEYS[3], ARGV[5]) or '0')
if n == 0 then return 0 end
redis.call('HDEL', KEYS[3], ARGV[5])
redis.call('ZREM', KEYS[2], ARGV[5])
redis.call('DECRBY', KEYS[4], n)
local c = tonumber(ARGV[6] or '0')
if c > 0 and c < n then n = c end
redis.call('HINCRBY', KEYS[1], bucket(now), n)
touch(1, 1)
return 1
`

const luaRelease = `
local n = tonumber(redis.call('HGET', KEYS[3], ARGV[5]) or '0')
if n == 0 then return 0 end
redis.call('HDEL', KEYS[3], ARGV[5])
redis.call('ZREM', KEYS[2], ARGV[5])
redis.call('DECRBY', KEYS[4], n)
return 1
`

// ARGV[5] n; ARGV[1] (now) is the time the recipients were sent.
const luaAdd = `
redis.call('HINCRBY', KEYS[1], bucket(now), tonumber(ARGV[5]))
touch(1, 1)
return 1
`

const luaUsage = `
return result(1)
`

func (rc *RedisCounter) args(r Request, extra ...any) []any {
	ttl := r.Window + r.Bucket + max(r.Expires.Sub(r.Now), 0) + time.Minute
	w, b := r.Window.Milliseconds(), r.Bucket.Milliseconds()
	box := rc.boxed.Load()
	if box == nil || box.window != w || box.width != b {
		box = &boxedArgs{window: w, width: b, args: [2]any{w, b}}
		rc.boxed.Store(box)
	}
	a := make([]any, 4, 4+len(extra))
	a[0], a[1], a[2], a[3] = r.Now.UnixMilli(), box.args[0], box.args[1], ttl.Milliseconds()
	return append(a, extra...)
}

func (rc *RedisCounter) Reserve(ctx context.Context, r Request) (Usage, bool, error) {
	v, err := rc.pipe.run(ctx, rc.reserve, rc.keys(r.Budget),
		rc.args(r, r.N, r.Limit, r.ID, r.Expires.UnixMilli())...).Int64Slice()
	if err != nil {
		return Usage{}, false, fmt.Errorf("quota: redis reserve: %w", err)
	}
	u, ok, err := parseUsage(v)
	return u, ok, err
}

func (rc *RedisCounter) Usage(ctx context.Context, r Request) (Usage, error) {
	v, err := rc.pipe.run(ctx, rc.usage, rc.keys(r.Budget), rc.args(r)...).Int64Slice()
	if err != nil {
		return Usage{}, fmt.Errorf("quota: redis usage: %w", err)
	}
	u, _, err := parseUsage(v)
	return u, err
}

func (rc *RedisCounter) Commit(ctx context.Context, r Request) (bool, error) {
	n, err := rc.pipe.run(ctx, rc.commit, rc.keys(r.Budget), rc.args(r, r.ID, r.N)...).Int64()
	if err != nil {
		return false, fmt.Errorf("quota: redis commit: %w", err)
	}
	return n == 1, nil
}

func (rc *RedisCounter) Release(ctx context.Context, r Request) (bool, error) {
	n, err := rc.pipe.run(ctx, rc.release, rc.keys(r.Budget), rc.args(r, r.ID)...).Int64()
	if err != nil {
		return false, fmt.Errorf("quota: redis release: %w", err)
	}
	return n == 1, nil
}

func (rc *RedisCounter) Add(ctx context.Context, r Request) error {
	if err := rc.pipe.run(ctx, rc.add, rc.keys(r.Budget), rc.args(r, r.N)...).Err(); err != nil {
		return fmt.Errorf("quota: redis add: %w", err)
	}
	return nil
}

// settleAsync queues a Commit (or Release) of r to go with the batch of
// calls that follows the one in flight, and returns true at once; done gets
// found or the error. It returns false, having done nothing, when no call
// is in flight: then the caller settles synchronously.
func (rc *RedisCounter) settleAsync(ctx context.Context, r Request, commit bool, done func(found bool, err error)) bool {
	if rc.pipe.idle() { // checked again under the lock; this spares building the call
		return false
	}
	script, op, args := rc.release, "release", rc.args(r, r.ID)
	if commit {
		script, op, args = rc.commit, "commit", rc.args(r, r.ID, r.N)
	}
	return rc.pipe.runAsync(ctx, func(cmd *redis.Cmd) {
		n, err := cmd.Int64()
		if err != nil {
			done(false, fmt.Errorf("quota: redis %s: %w", op, err))
			return
		}
		done(n == 1, nil)
	}, script, rc.keys(r.Budget), args...)
}

// flush waits until every queued settlement has been sent and answered.
func (rc *RedisCounter) flush(ctx context.Context) error {
	for !rc.pipe.idle() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Microsecond):
		}
	}
	return nil
}

// parseUsage reads {ok, committed, pending, start, count, ...}.
func parseUsage(v []int64) (Usage, bool, error) {
	if len(v) < 3 || len(v)%2 == 0 {
		return Usage{}, false, fmt.Errorf("quota: redis script answered %d values", len(v))
	}
	u := Usage{Committed: v[1], Pending: v[2]}
	for i := 3; i+1 < len(v); i += 2 {
		u.Buckets = append(u.Buckets, Bucket{Start: time.UnixMilli(v[i]).UTC(), Count: v[i+1]})
	}
	return u, v[0] == 1, nil
}

// pipeliner groups concurrent script calls into one pipeline (group
// commit): a call made while no other is in flight runs at once, alone,
// exactly as script.Run; calls made while one is in flight queue, and when
// it returns they all go to Redis in one pipeline (one write and one read
// for the lot, on both sides). Each call is still its own atomic script with
// its own answer, run after it was made and before it returns, so what the
// counter decides is unchanged; only the number of round trips falls as the
// load rises, and nothing waits for a timer.
type pipeliner struct {
	c     redis.UniversalClient
	mu    sync.Mutex
	busy  bool // a call or batch is in flight
	queue []*scriptCall
}

type scriptCall struct {
	ctx    context.Context
	script *redis.Script
	keys   []string
	args   []any
	cmd    *redis.Cmd
	batch  []*scriptCall    // set on the call woken to lead the next batch
	wake   chan struct{}    // closed when cmd is set or the call leads (waiting calls)
	done   func(*redis.Cmd) // called with the answer (queued calls, runAsync)
}

// run runs script like script.Run, possibly in one pipeline with calls made
// concurrently.
func (p *pipeliner) run(ctx context.Context, script *redis.Script, keys []string, args ...any) *redis.Cmd {
	p.mu.Lock()
	if !p.busy {
		p.busy = true
		p.mu.Unlock()
		cmd := script.Run(ctx, p.c, keys, args...)
		p.next()
		return cmd
	}
	call := &scriptCall{ctx: ctx, script: script, keys: keys, args: args, wake: make(chan struct{})}
	p.queue = append(p.queue, call)
	p.mu.Unlock()
	<-call.wake
	if call.batch == nil { // another call led the batch that ran this one
		return call.cmd
	}
	batch := call.batch
	call.batch = nil
	p.exec(batch)
	p.finish(batch, call)
	p.next()
	return call.cmd
}

// runAsync queues script to go in the next batch and returns true without
// waiting for it, if a call is in flight; done gets its answer. When none
// is in flight it returns false and queues nothing: the caller runs the
// call itself, synchronously, as it would have.
func (p *pipeliner) runAsync(ctx context.Context, done func(*redis.Cmd), script *redis.Script, keys []string, args ...any) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.busy {
		return false
	}
	p.queue = append(p.queue, &scriptCall{ctx: context.WithoutCancel(ctx), script: script, keys: keys, args: args, done: done})
	return true
}

// finish hands each call of a batch that ran its answer: it wakes the
// waiting calls other than lead and calls the queued ones' done.
func (p *pipeliner) finish(batch []*scriptCall, lead *scriptCall) {
	for _, c := range batch {
		switch {
		case c == lead:
		case c.done != nil:
			c.done(c.cmd)
		default:
			close(c.wake)
		}
	}
}

// idle reports whether no call is in flight or queued.
func (p *pipeliner) idle() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.busy
}

// next hands what queued meanwhile to its first call, which leads it, or
// marks the pipeliner idle.
//
// The batch is led by its first waiting call; a batch of queued calls only
// (nobody waits on them) is run by the caller of next itself.
func (p *pipeliner) next() {
	for {
		p.mu.Lock()
		if len(p.queue) == 0 {
			p.busy = false
			p.mu.Unlock()
			return
		}
		batch := p.queue
		p.queue = make([]*scriptCall, 0, cap(batch))
		p.mu.Unlock()
		for _, c := range batch {
			if c.done == nil {
				c.batch = batch
				close(c.wake)
				return
			}
		}
		p.exec(batch)
		p.finish(batch, nil)
	}
}

// exec runs a batch of calls in one pipeline. The pipeline runs on the
// leader's context without its cancellation, so one session giving up does
// not fail the others' calls (the client's timeouts still bound it); a call
// whose own context is done by then is not sent.
func (p *pipeliner) exec(batch []*scriptCall) {
	if len(batch) == 1 {
		c := batch[0]
		c.cmd = c.script.Run(c.ctx, p.c, c.keys, c.args...)
		return
	}
	ctx := context.WithoutCancel(batch[0].ctx)
	pipe := p.c.Pipeline()
	for _, c := range batch {
		if err := c.ctx.Err(); err != nil {
			c.cmd = redis.NewCmd(c.ctx)
			c.cmd.SetErr(err)
			continue
		}
		c.cmd = c.script.EvalSha(ctx, pipe, c.keys, c.args...)
	}
	_, _ = pipe.Exec(ctx) // each call's error is on its cmd
	for _, c := range batch {
		// The script is not cached on this server (restarted, or a
		// failover): nothing ran, so run it the way script.Run does.
		if err := c.cmd.Err(); err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
			c.cmd = c.script.Run(c.ctx, p.c, c.keys, c.args...)
		}
	}
}
