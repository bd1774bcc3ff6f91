package web

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"handover"
	"handover/transfer"
)

// jobFunc is the work of one background job: a call of the transfer flow
// (Run, Undo, Resume) with the context and Progress the runner gives it.
type jobFunc func(ctx context.Context, prog transfer.Progress) (transfer.Outcome, error)

// runner owns the goroutines of the jobs the server runs: their context
// (the server's, never a request's), their live progress and their end.
type runner struct {
	log    *zerolog.Logger // the server's Log
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	finished finishedMoves

	mu       sync.Mutex
	stopping bool
	running  map[*tracker]bool  // every job function still running
	byJob    map[int64]*tracker // those that have recorded their job

	// ended, when set, is told of every job function that has ended.
	ended func(a transfer.Access, out transfer.Outcome)
}

func newRunner(log *zerolog.Logger) *runner {
	ctx, cancel := context.WithCancel(context.Background())
	return &runner{log: log, ctx: ctx, cancel: cancel,
		running: map[*tracker]bool{}, byJob: map[int64]*tracker{}}
}

// start runs fn in a goroutine the server owns, with the server's context
// (never the request's), and returns the job as soon as fn's Progress.Start
// reports it recorded, or fn's error when fn ends before that (tenant locked,
// file invalid, confirmation refused). Progress is kept for the job page.
func (s *Server) start(a transfer.Access, fn func(ctx context.Context, prog transfer.Progress) (transfer.Outcome, error)) (handover.Job, error) {
	t, err := s.jobs.launch(a, fn)
	if err != nil {
		return handover.Job{}, err
	}
	select {
	case job := <-t.started:
		return job, nil
	case <-t.done:
	}
	select {
	case job := <-t.started: // recorded, and already ended
		return job, nil
	default:
	}
	if t.err == nil {
		return handover.Job{}, errors.New("the job function ended without recording a job")
	}
	if s.jobs.isStopping() && errors.Is(t.err, context.Canceled) {
		return handover.Job{}, errStopping()
	}
	return handover.Job{}, t.err
}

// errStopping is the refusal of a job start while the server stops.
func errStopping() error {
	return handover.Errorf(handover.ErrCancelled, "the console is stopping, so nothing was started; try again once it is back")
}

// launch starts fn for the operator of a and returns its tracker; a
// stopping server starts nothing.
func (r *runner) launch(a transfer.Access, fn jobFunc) (*tracker, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopping {
		return nil, errStopping()
	}
	ctx, cancel := context.WithCancel(r.ctx)
	t := &tracker{r: r, op: a.Op, cancel: cancel, started: make(chan handover.Job, 1), done: make(chan struct{})}
	r.running[t] = true
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer cancel()
		out, err := fn(ctx, t)
		t.end(out, err)
		if r.ended != nil {
			r.ended(a, out)
		}
	}()
	return t, nil
}

// live returns the tracker of a job this server is running, nil when none.
func (r *runner) live(job int64) *tracker {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byJob[job]
}

// tenantJob returns the job this server runs for tenant, as it stands now,
// and who started it; ok is false when it runs none.
func (r *runner) tenantJob(tenant int64) (job handover.Job, by handover.User, ok bool) {
	r.mu.Lock()
	var t *tracker
	for _, c := range r.byJob {
		if c.op.TenantID == tenant {
			t = c
		}
	}
	r.mu.Unlock()
	if t == nil {
		return job, by, false
	}
	return t.job(), t.op, true
}

func (r *runner) isStopping() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stopping
}

// stop refuses new jobs and stops the running ones at their next chunk
// boundary: a job that is executing ends once its running chunk has
// committed (its next Pair report cancels it) and is recorded interrupted;
// one that has not started executing is cancelled at once. When ctx ends
// first, every job is cancelled outright (a chunk cut short rolls back,
// whole). stop returns once every job goroutine has returned.
func (r *runner) stop(ctx context.Context) error {
	r.mu.Lock()
	r.stopping = true
	for t := range r.running {
		if !t.executing() {
			t.cancel()
		}
	}
	r.mu.Unlock()
	ended := make(chan struct{})
	go func() { r.wg.Wait(); close(ended) }()
	select {
	case <-ended:
		return nil
	case <-ctx.Done():
	}
	r.cancel()
	<-ended
	return handover.Errorf(handover.ErrCancelled, "the running jobs were stopped before their chunk committed (it rolled back); they are interrupted and resume when the console starts again")
}

// Shutdown stops the server's jobs for a server stop: no new job starts,
// each running job stops once its running chunk has committed and is
// recorded interrupted, to be resumed when the console starts again (see
// ResumeInterrupted). Should ctx end first, the jobs are cancelled at once;
// their running chunks roll back. Shutdown returns when every job
// goroutine has ended.
func (s *Server) Shutdown(ctx context.Context) error { return s.jobs.stop(ctx) }

// tracker follows one job function: it is the function's Progress, and
// says when its job is recorded (started) and when the function has ended
// (done, then out and err are set).
type tracker struct {
	r       *runner
	op      handover.User
	cancel  context.CancelFunc
	started chan handover.Job
	done    chan struct{}
	out     transfer.Outcome
	err     error

	mu    sync.Mutex
	rec   handover.Job // the job as recorded at Start
	state progress
	since time.Time // when this process started executing the job
	base  int       // pairs that had ended before this process started
}

// Start records the job and its pairs as they stand (some ended before,
// when resumed) and makes the job known to the job page.
func (t *tracker) Start(job handover.Job, pairs []handover.JobPair, _ bool) {
	job.Status = handover.JobRunning
	t.mu.Lock()
	t.rec = job
	t.state = progress{Job: job.ID, Kind: job.Kind, Status: handover.JobRunning, Pairs: len(pairs)}
	for _, p := range pairs {
		t.state.add(p)
	}
	t.base, t.since = t.state.Done+t.state.Failed, time.Now()
	t.mu.Unlock()
	t.r.mu.Lock()
	t.r.byJob[job.ID] = t
	t.r.mu.Unlock()
	t.started <- job
}

// Pair counts a pair that ended. Once the server is stopping, the job is
// cancelled here, between two chunks: the one that just committed stays.
func (t *tracker) Pair(p handover.JobPair) {
	t.mu.Lock()
	t.state.add(p)
	t.mu.Unlock()
	if t.r.isStopping() {
		t.cancel()
	}
}

// job returns the job with its totals now.
func (t *tracker) job() handover.Job {
	t.mu.Lock()
	defer t.mu.Unlock()
	j := t.rec
	j.Pairs, j.Done, j.Failed = t.state.Pairs, t.state.Done, t.state.Failed
	return j
}

// moves returns what the job's done pairs moved so far, per data type.
func (t *tracker) moves() []handover.Move {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.state.byType)
}

// executing reports whether the job has started executing its pairs.
func (t *tracker) executing() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return !t.since.IsZero()
}

// snapshot returns the job's progress now, with its time left.
func (t *tracker) snapshot() progress {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.state
	p.SecondsLeft = secondsLeft(p, p.Done+p.Failed-t.base, time.Since(t.since))
	return p
}

// end records how the job function ended, forgets the live state (the
// database holds the job's end) and logs a job that stopped short.
func (t *tracker) end(out transfer.Outcome, err error) {
	t.out, t.err = out, err
	r := t.r
	r.mu.Lock()
	delete(r.running, t)
	if id := t.state.Job; id != 0 && r.byJob[id] == t {
		delete(r.byJob, id)
	}
	r.mu.Unlock()
	if err != nil && !t.since.IsZero() {
		r.log.Warn().Err(err).Int64("job", t.state.Job).Int64("operator", t.op.ID).Msg("background job stopped before it finished; it is interrupted and resumes when the console starts again")
	} else if err == nil {
		r.log.Info().Int64("job", t.state.Job).Int("pairs", out.Result.Pairs).Int("done", out.Result.Done).Int("failed", out.Result.Failed).Msg("background job finished")
	}
	close(t.done)
}

// ResumeInterrupted resumes, in the background, the interrupted jobs of
// every tenant (those a stop or a crash left, the console's or the command
// line's, and those still running under a held guard, whose process may
// have just been killed: see resume), each as its own operator authorised
// afresh: a job whose operator may no longer operate, or no longer sees
// every user of the job, stays interrupted and is logged. A tenant's jobs
// are resumed one after the other, oldest first. It returns once the jobs
// are listed.
func (s *Server) ResumeInterrupted(ctx context.Context) error {
	jobs, err := s.Service.Unfinished(ctx)
	if err != nil {
		return err
	}
	byTenant := map[int64][]handover.Job{}
	var order []int64
	for _, j := range jobs {
		if byTenant[j.Tenant] == nil {
			order = append(order, j.Tenant)
		}
		byTenant[j.Tenant] = append(byTenant[j.Tenant], j)
	}
	r := s.jobs
	for _, tenant := range order {
		r.wg.Add(1)
		go func(jobs []handover.Job) {
			defer r.wg.Done()
			for _, j := range jobs {
				s.resume(r.ctx, j)
			}
		}(byTenant[tenant])
	}
	return nil
}

// resumeWait is how long a job found locked at start-up is tried again: a
// console killed a moment ago still holds its tenant's guard until the
// database has seen its connections close, which it may see only once the
// statement the dead console sent has ended.
var resumeWait = time.Minute

// resume resumes one interrupted job as its operator and waits for it to
// end; a refusal leaves it interrupted, logged. Refused because the
// tenant's guard is held, it is tried again every second for resumeWait,
// until it runs or has ended elsewhere (its process was alive after all).
func (s *Server) resume(ctx context.Context, job handover.Job) {
	log := s.Log.With().Int64("job", job.ID).Int64("operator", job.Operator).Logger()
	a, err := s.Service.Authorize(ctx, job.Operator)
	if handover.ErrorCode(err) == handover.ErrForbidden {
		log.Warn().Err(err).Msg("interrupted job not resumed: its operator may no longer operate; it stays interrupted")
		return
	} else if err != nil {
		log.Error().Err(err).Msg("interrupted job not resumed: its operator could not be checked; it stays interrupted")
		return
	}
	waiting := false
	for deadline := time.Now().Add(resumeWait); ; {
		t, err := s.jobs.launch(a, func(ctx context.Context, p transfer.Progress) (transfer.Outcome, error) {
			return s.Service.Resume(ctx, a, job.ID, p)
		})
		if err != nil {
			log.Warn().Err(err).Msg("interrupted job not resumed; it stays interrupted")
			return
		}
		<-t.done
		if !t.since.IsZero() || t.err == nil { // it ran: the runner logged how it ended
			return
		}
		if now, err := s.Service.Job(ctx, a, job.ID); err == nil && now.Status != handover.JobRunning && now.Status != handover.JobInterrupted {
			log.Info().Str("status", string(now.Status)).Msg("job ended elsewhere meanwhile; not resumed here")
			return
		}
		switch {
		case handover.ErrorCode(t.err) != handover.ErrLocked:
			log.Warn().Err(t.err).Msg("interrupted job not resumed; it stays interrupted")
			return
		case time.Now().After(deadline):
			log.Warn().Err(t.err).Msgf("job not resumed here: the tenant's guard is still held, a minute on, by the process running it; should that process have stopped, resume the job with `handover resume %d`", job.ID)
			return
		case !waiting:
			log.Info().Err(t.err).Msg("interrupted job waits for the tenant's guard, perhaps still held by the stopped process it ran in; trying again every second")
			waiting = true
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}
