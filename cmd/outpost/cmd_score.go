package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/outpost-mail/outpost/scoring"
)

// maxScoreFile bounds how much of one file `outpost score` reads.
const maxScoreFile = 64 << 20

// scoreFlags parses flags that may come before or after positional arguments.
func scoreFlags(fs *flag.FlagSet, args []string) (rest []string, code int, done bool) {
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, 0, true
			}
			return nil, 2, true
		}
		left := fs.Args()
		if len(left) == 0 {
			return rest, 0, false
		}
		if len(args) > len(left) && args[len(args)-len(left)-1] == "--" {
			return append(rest, left...), 0, false
		}
		rest = append(rest, left[0])
		args = left[1:]
	}
}

// loadScorer builds a scorer from an optional model file.
func loadScorer(modelPath string, hold, reject float64) (*scoring.Scorer, error) {
	opts := scoring.Options{HoldThreshold: hold, RejectThreshold: reject}
	if modelPath != "" {
		f, err := os.Open(modelPath)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if opts.Model, err = scoring.ReadModel(f); err != nil {
			return nil, err
		}
	}
	return scoring.New(opts)
}

// cmdScore: outpost score [--json] [--model FILE] PATH...
func cmdScore(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("outpost score", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "one JSON object per message and line")
	model := fs.String("model", "", "model file (default: the embedded model)")
	hold := fs.Float64("hold", 0, "hold threshold (default: the scorer's)")
	reject := fs.Float64("reject", 0, "reject threshold (default: the scorer's)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: outpost score [--json] [--model FILE] PATH...\n\nScores each message file (folders are walked).")
		fs.PrintDefaults()
	}
	paths, code, done := scoreFlags(fs, args)
	if done {
		return code
	}
	if len(paths) == 0 {
		fs.Usage()
		return 2
	}
	s, err := loadScorer(*model, *hold, *reject)
	if err != nil {
		fmt.Fprintf(stderr, "outpost score: %v\n", err)
		return 1
	}
	files, err := scoring.MessageFiles(paths)
	if err != nil {
		fmt.Fprintf(stderr, "outpost score: %v\n", err)
		return 1
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	status := 0
	for _, p := range files {
		if ctx.Err() != nil {
			return 1
		}
		raw, err := readLimited(p, maxScoreFile)
		if err != nil {
			fmt.Fprintf(stderr, "outpost score: %v\n", err)
			status = 1
			continue
		}
		r := s.Score(raw)
		if r.Signals == nil {
			r.Signals = []scoring.Signal{}
		}
		if *asJSON {
			if err := enc.Encode(struct {
				Path string `json:"path"`
				scoring.Result
			}{p, r}); err != nil {
				fmt.Fprintf(stderr, "outpost score: %v\n", err)
				return 1
			}
			continue
		}
		// The main reason explains a hold or reject; a passing message has none.
		if r.Verdict == scoring.Pass {
			fmt.Fprintf(stdout, "%s\n  score %.2f  %s\n", p, r.Score, strings.ToUpper(string(r.Verdict)))
		} else {
			fmt.Fprintf(stdout, "%s\n  score %.2f  %s  (%s)\n", p, r.Score, strings.ToUpper(string(r.Verdict)), r.MainReason())
		}
		for _, g := range r.Signals {
			fmt.Fprintf(stdout, "  %+7.2f  %-22s %s\n", g.Weight, g.Name, g.Detail)
		}
		if r.Malformed {
			fmt.Fprintf(stdout, "  malformed: %s\n", strings.Join(r.Problems, "; "))
		}
		fmt.Fprintf(stdout, "  fingerprint %s\n", r.Fingerprint)
	}
	return status
}

func readLimited(path string, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, n))
}

// cmdEval: outpost eval [--folds K [--by-sender]] [--seed N] [--model FILE] PATH
func cmdEval(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("outpost eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	folds := fs.Int("folds", 0, "K-fold cross-validation: train on K-1 folds, score the held-out one (0: score with the model as is)")
	model := fs.String("model", "", "model file when not cross-validating (default: the embedded model)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	synthetic := syntheticFlag(fs)
	syntheticSpam := syntheticSpamFlag(fs)
	seed := fs.Uint64("seed", 0, "training shuffle seed for --folds (0: the default, 1); the catch at 0.1% moves by a few points with it, so compare several")
	bySender := fs.Bool("by-sender", false, "with --folds: keep each sender's (From registrable domain's) mail in one fold, so every message is scored by a model that never saw its sender: the estimate for mail from senders outside the corpus")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: outpost eval [--folds K [--by-sender]] [--seed N] [--model FILE] PATH\n\nPATH is a folder with labels.tsv (path<TAB>spam|ham<TAB>category).")
		fs.PrintDefaults()
	}
	paths, code, done := scoreFlags(fs, args)
	if done {
		return code
	}
	if len(paths) != 1 {
		fs.Usage()
		return 2
	}
	msgs, err := scoring.LoadCorpus(paths[0])
	if err != nil {
		fmt.Fprintf(stderr, "outpost eval: %v\n", err)
		return 1
	}
	if *bySender && *folds == 0 {
		fmt.Fprintln(stderr, "outpost eval: --by-sender needs --folds")
		return 2
	}
	var rep scoring.Report
	if *folds > 0 {
		cv := scoring.CrossValidate
		if *bySender {
			cv = scoring.CrossValidateBySender
		}
		rep, err = cv(ctx, msgs, *folds, scoring.Options{}, scoring.TrainConfig{Synthetic: syntheticCount(*synthetic), SyntheticSpam: syntheticCount(*syntheticSpam), Seed: *seed})
		if err == nil {
			// Throughput is measured separately, with the default model.
			var s *scoring.Scorer
			if s, err = scoring.New(scoring.Options{}); err == nil {
				rep.MessagesPerSec = scoring.Throughput(s, msgs)
			}
		}
	} else {
		var s *scoring.Scorer
		if s, err = loadScorer(*model, 0, 0); err == nil {
			if *model == "" {
				fmt.Fprintln(stderr, "outpost eval: note: the embedded model was trained on the development corpus; use --folds for a fair figure on it")
			}
			rep, err = scoring.Evaluate(ctx, s, msgs)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "outpost eval: %v\n", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return 1
		}
		return 0
	}
	fmt.Fprint(stdout, rep.String())
	return 0
}

// cmdTrain: outpost train PATH --out FILE
func cmdTrain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("outpost train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "model file to write (required)")
	epochs := fs.Int("epochs", 0, "training passes (default: the package's)")
	synthetic := syntheticFlag(fs)
	syntheticSpam := syntheticSpamFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: outpost train PATH --out FILE\n\nTrains the content model on a labelled folder (labels.tsv).")
		fs.PrintDefaults()
	}
	paths, code, done := scoreFlags(fs, args)
	if done {
		return code
	}
	if len(paths) != 1 || *out == "" {
		fs.Usage()
		return 2
	}
	msgs, err := scoring.LoadCorpus(paths[0])
	if err != nil {
		fmt.Fprintf(stderr, "outpost train: %v\n", err)
		return 1
	}
	if ctx.Err() != nil {
		return 1
	}
	m := scoring.TrainCorpus(msgs, scoring.TrainConfig{Epochs: *epochs, Synthetic: syntheticCount(*synthetic), SyntheticSpam: syntheticCount(*syntheticSpam)})
	if err := scoring.WriteModelFile(*out, m); err != nil {
		fmt.Fprintf(stderr, "outpost train: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "trained on %d messages (%d spam, %d ham), %d synthetic business messages as ham and %d synthetic frauds as spam; wrote %s\n",
		len(msgs), m.Spam-max(0, *syntheticSpam), m.Ham-max(0, *synthetic), max(0, *synthetic), max(0, *syntheticSpam), *out)
	return 0
}

// syntheticFlag declares --synthetic: how many generated honest business
// messages (invoices, receipts, reminders...) training adds as ham, because
// the corpus has almost none (see scoring/synth.go and doc.go).
func syntheticFlag(fs *flag.FlagSet) *int {
	return fs.Int("synthetic", scoring.DefaultSynthetic, "synthetic honest business messages added to the training ham (0: none)")
}

// syntheticSpamFlag declares --synthetic-spam: how many generated frauds of
// today (phishing, BEC, callback scams...) training adds as spam, because
// the corpus, of 2002, has none (see scoring/synthspam.go and doc.go).
func syntheticSpamFlag(fs *flag.FlagSet) *int {
	return fs.Int("synthetic-spam", scoring.DefaultSyntheticSpam, "synthetic frauds of today added to the training spam (0: none)")
}

// syntheticCount maps the flag to scoring.TrainConfig.Synthetic (0 there
// means the default, negative none).
func syntheticCount(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}
