package store

import (
	"context"
	"fmt"
	"strconv"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/localtime"
	"jinguo/internal/people"
)

// CreatePeople registers many people in one transaction, all or nothing:
// the first invalid or duplicate row aborts the batch with an error naming
// its position. One audit entry records the batch. It is the bulk path for
// loading data (the demo city, benchmarks); interactive imports go through
// the import job, which reports and skips bad rows instead.
func (s *Store) CreatePeople(ctx context.Context, a auth.Actor, batch []people.Input) ([]int64, error) {
	ids := make([]int64, 0, len(batch))
	err := s.transact(ctx, func(tx *Tx) error {
		today := localtime.Today(tx.now)
		for i, in := range batch {
			p, err := in.Validate(today)
			if err == nil {
				_, err = tx.checkPersonRefs(ctx, a, p, nil)
			}
			var id int64
			if err == nil {
				id, err = tx.insertPerson(ctx, a, p)
			}
			if err != nil {
				if e := apperr.As(err); e != nil {
					c := *e
					c.Message = fmt.Sprintf("第%d条：%s", i+1, e.Message)
					return &c
				}
				return fmt.Errorf("person %d: %w", i+1, err)
			}
			ids = append(ids, id)
		}
		return tx.audit(ctx, a, audit.Create, "person", 0, audit.Note(map[string]string{"batch": strconv.Itoa(len(batch))}))
	})
	if err != nil {
		return nil, err
	}
	return ids, s.Optimize(ctx)
}
