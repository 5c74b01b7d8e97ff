package webhook

import (
	"net/netip"
	"testing"
	"time"
)

// The example of the Standard Webhooks specification (and Svix's documentation).
func TestSignMatchesTheStandardWebhooksExample(t *testing.T) {
	got, err := Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestWants(t *testing.T) {
	e := Endpoint{EventTypes: []string{"assessment.*", "vendor.created"}}
	for typ, want := range map[string]bool{"assessment.sent": true, "assessment.reminder.sent": true, "vendor.created": true,
		"vendor.updated": false, "assessments.sent": false, "assessment": false} {
		if e.Wants(typ) != want {
			t.Errorf("Wants(%s) = %v", typ, !want)
		}
	}
	if !(Endpoint{EventTypes: []string{"*"}}).Wants("anything.at_all") {
		t.Error("* does not match everything")
	}
}

func TestGuard(t *testing.T) {
	strict := Guard{}
	for _, a := range []string{"127.0.0.1", "127.8.9.10", "::1", "10.0.0.1", "172.16.5.4", "192.168.0.1", "169.254.169.254",
		"fe80::1", "fc00::1", "0.0.0.0", "::", "100.64.0.1", "224.0.0.1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
		"fd00:ec2::254", "100.100.100.200"} {
		if strict.CheckAddr(netip.MustParseAddr(a)) == nil {
			t.Errorf("%s is allowed", a)
		}
		if (Guard{AllowPrivate: true}).CheckAddr(netip.MustParseAddr(a)) != nil {
			t.Errorf("%s is refused with AllowPrivate", a)
		}
	}
	for _, a := range []string{"93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "8.8.8.8"} {
		if err := strict.CheckAddr(netip.MustParseAddr(a)); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
	for url, ok := range map[string]bool{"https://hooks.example.com/x": true, "http://hooks.example.com/x": false,
		"https://127.0.0.1/x": false, "https://[::1]/": false, "https://u:p@hooks.example.com/": false, "hooks.example.com": false,
		"https://hooks.example.com/x#frag": false, "": false} {
		if err := strict.CheckURL(url); (err == nil) != ok {
			t.Errorf("CheckURL(%q) = %v", url, err)
		}
	}
	if err := (Guard{AllowHTTP: true}).CheckURL("http://hooks.example.com/x"); err != nil {
		t.Errorf("AllowHTTP: %v", err)
	}
}

func TestBackoffReachesAboutThreeDays(t *testing.T) {
	c := DefaultConfig
	var total time.Duration
	n := 0
	for total <= c.RetryFor {
		n++
		total += c.Backoff(n)
	}
	if n < 12 || n > 16 || c.DisableAfter != n {
		t.Errorf("the default schedule gives up after %d attempts (%s), DisableAfter %d", n, total, c.DisableAfter)
	}
	if c.Backoff(1) != 30*time.Second || c.Backoff(2) != time.Minute || c.Backoff(40) != 12*time.Hour {
		t.Errorf("backoff %s %s %s", c.Backoff(1), c.Backoff(2), c.Backoff(40))
	}
}
