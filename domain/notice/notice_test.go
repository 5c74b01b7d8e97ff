package notice

import "testing"

func TestReminderOffset(t *testing.T) {
	tests := []struct {
		offsets []int
		left    int
		want    int
		ok      bool
	}{
		{[]int{7, 3, 1}, 10, 0, false},
		{[]int{7, 3, 1}, 7, 7, true},
		{[]int{7, 3, 1}, 6, 7, true},
		{[]int{7, 3, 1}, 3, 3, true},
		{[]int{7, 3, 1}, 2, 3, true},
		{[]int{7, 3, 1}, 1, 1, true},
		{[]int{7, 3, 1}, 0, 1, true},
		{[]int{14}, 0, 14, true},
		{[]int{}, 0, 0, false},
		{nil, 3, 0, false},
	}
	for _, tt := range tests {
		got, ok := reminderOffset(tt.offsets, tt.left)
		if got != tt.want || ok != tt.ok {
			t.Errorf("reminderOffset(%v, %d) = %d, %v; want %d, %v", tt.offsets, tt.left, got, ok, tt.want, tt.ok)
		}
	}
}
