package repository_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain/event"
	"github.com/vendorrisk/vendorrisk/domain/webhook"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// TestOutboxCommitsWithTheChange: the outbox row exists if and only if the transaction that recorded
// it committed, and seqs become visible in commit order even when writers race.
func TestOutboxCommitsWithTheChange(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		ctx := t.Context()
		repo := repository.NewOutbox(db)
		ob := webhook.NewOutbox(repo, newClock().Now)
		ev := func(id string) event.Event {
			return event.New("vendor.created", event.Subject{Type: "vendor", ID: id, VendorID: id}, nil, map[string]any{"name": id})
		}
		boom := errors.New("the change failed after recording its event")
		err := db.InTx(ctx, func(ctx context.Context) error {
			if err := ob.Record(ctx, ev("rolled-back")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx: %v", err)
		}
		if msgs, err := repo.After(ctx, 0, 10); err != nil || len(msgs) != 0 {
			t.Fatalf("after a rollback the outbox holds %d messages (err %v), want none", len(msgs), err)
		}
		if err := db.InTx(ctx, func(ctx context.Context) error { return ob.Record(ctx, ev("a"), ev("b")) }); err != nil {
			t.Fatal(err)
		}
		msgs, err := repo.After(ctx, 0, 10)
		if err != nil || len(msgs) != 2 {
			t.Fatalf("after a commit: %d messages, err %v", len(msgs), err)
		}
		if msgs[0].SubjectID != "a" || msgs[1].SubjectID != "b" || msgs[0].Seq >= msgs[1].Seq || msgs[0].ID == msgs[1].ID {
			t.Errorf("messages %+v", msgs)
		}
		if last, err := repo.LastSeq(ctx); err != nil || last != msgs[1].Seq {
			t.Errorf("LastSeq %d (err %v), want %d", last, err, msgs[1].Seq)
		}

		// Racing writers: a reader polling meanwhile never sees a seq after one it has not seen yet
		// become visible later (the cursor would skip it).
		const writers, each = 4, 10
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					if err := db.InTx(ctx, func(ctx context.Context) error {
						return ob.Record(ctx, ev(string(rune('a'+w))+string(rune('0'+i))))
					}); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		cursor := msgs[1].Seq
		seen := 0
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		for finished := false; !finished; {
			select {
			case <-done:
				finished = true
			default:
			}
			page, err := repo.After(ctx, cursor, 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range page {
				cursor = m.Seq
				seen++
			}
		}
		page, err := repo.After(ctx, cursor, 100)
		if err != nil {
			t.Fatal(err)
		}
		seen += len(page)
		if seen != writers*each {
			t.Errorf("a reader following the outbox saw %d messages, want %d (a seq committed behind its cursor)", seen, writers*each)
		}
	})
}
