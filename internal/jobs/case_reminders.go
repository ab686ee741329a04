package jobs

import (
	"context"
	"time"

	"jinguo/internal/cases"
)

// OrderReminderWindow is how long before a protection order or warning
// letter lapses its handling org is reminded.
const OrderReminderWindow = cases.OrderReminderDays * 24 * time.Hour

// RemindOrders sends the reminders of protection orders and warning
// letters that lapse within OrderReminderWindow. It is safe to call from
// every server as often as wanted: each order is reminded once, whichever
// server claims it first.
func (r *Runner) RemindOrders(ctx context.Context) error {
	n, err := r.st.RemindExpiringOrders(ctx, OrderReminderWindow)
	if n > 0 {
		r.log.Info("protection order reminders sent", "count", n)
	}
	return err
}
