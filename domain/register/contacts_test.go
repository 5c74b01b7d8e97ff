package register

import (
	"strings"
	"testing"
)

func TestContactValidation(t *testing.T) {
	tests := []struct {
		name   string
		c      Contact
		fields []string
	}{
		{"email only", Contact{Name: "Hanako", Email: "hanako@acme.example"}, nil},
		{"phone only", Contact{Name: "Hanako", Phone: "+81 (3) 1234-5678"}, nil},
		{"name missing", Contact{Name: "  ", Email: "a@acme.example"}, []string{"name"}},
		{"name too long", Contact{Name: strings.Repeat("n", 201), Email: "a@acme.example"}, []string{"name"}},
		{"email with display name", Contact{Name: "A", Email: "A <a@acme.example>"}, []string{"email"}},
		{"email without domain", Contact{Name: "A", Email: "a@"}, []string{"email"}},
		{"phone with letters", Contact{Name: "A", Phone: "call me"}, []string{"phone"}},
		{"phone too short", Contact{Name: "A", Phone: "123"}, []string{"phone"}},
		{"neither email nor phone", Contact{Name: "A"}, []string{"email"}},
		{"role too long", Contact{Name: "A", Email: "a@acme.example", Role: strings.Repeat("r", 201)}, []string{"role"}},
		{"everything wrong", Contact{Email: "nope", Phone: "x"}, []string{"name", "email", "phone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			c.normalize()
			assertFields(t, c.validate(), tt.fields)
		})
	}
}
