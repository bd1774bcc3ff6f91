package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"handover"
	"handover/audit"
	"handover/transfer"
)

// defaultTokenDays is how long a token lasts unless --expires says.
const defaultTokenDays = 90

// tokenCmd creates, lists and revokes the HTTP API's bearer tokens.
type tokenCmd struct {
	name, format string
	expires      int
}

func (c *tokenCmd) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.name, "name", "", "create: what the token is for, unique in the tenant (such as nightly-hr-feed)")
	fs.IntVar(&c.expires, "expires", defaultTokenDays, "create: days until the token stops working; 0 never")
	fs.StringVar(&c.format, "format", "text", "list: text or json")
}

func (c *tokenCmd) run(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return handover.Errorf(handover.ErrUsage, "say what to do: `token create --name NAME`, `token list` or `token revoke NAME`")
	}
	switch args[0] {
	case "create":
		return c.create(ctx, e, args[1:])
	case "list":
		return c.list(ctx, e, args[1:])
	case "revoke":
		return c.revoke(ctx, e, args[1:])
	}
	return handover.Errorf(handover.ErrUsage, "token %q: use create, list or revoke", args[0])
}

// create prints a new token on stdout, once; only its hash is kept.
func (c *tokenCmd) create(ctx context.Context, e *env, args []string) error {
	if err := wantArgs(args, 0, "no arguments besides create (the name is --name NAME)"); err != nil {
		return err
	}
	svc, a, err := e.currentService(ctx)
	if err != nil {
		return err
	}
	token, expires, err := svc.CreateToken(ctx, a, c.name, c.expires)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, token)
	until := "never expires"
	if expires != nil {
		until = "works until " + expires.Format("2006-01-02 15:04") + " UTC"
	}
	fmt.Fprintf(e.stderr, "API token %q acts as %s and %s. It is shown only this once: store it as a secret. `handover token revoke %s` ends it.\n",
		c.name, audit.Clean(handover.Label(a.Op.Name, &a.Op.ID)), until, c.name)
	return nil
}

// list shows the tenant's tokens, never the tokens themselves.
func (c *tokenCmd) list(ctx context.Context, e *env, args []string) error {
	if err := wantArgs(args, 0, "no arguments besides list"); err != nil {
		return err
	}
	if err := checkFormat(c.format, "text", "json"); err != nil {
		return err
	}
	svc, a, err := e.service(ctx)
	if err != nil {
		return err
	}
	tokens, err := svc.Tokens(ctx, a)
	if err != nil {
		return err
	}
	if c.format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(tokens)
	}
	return tokensText(e, tokens)
}

// tokensText writes the tokens as a table.
func tokensText(e *env, tokens []handover.Token) error {
	if len(tokens) == 0 {
		_, err := fmt.Fprintln(e.stdout, "No API tokens yet: `handover token create --as USER_ID --name NAME` makes one.")
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tOPERATOR\tCREATED\tLAST USED\tEXPIRES\tSTATE")
	for _, t := range tokens {
		state := "valid"
		switch {
		case t.Revoked != nil:
			state = "revoked " + day(t.Revoked)
		case t.Expires != nil && !t.Expires.After(time.Now()):
			state = "expired"
		}
		expires := "never"
		if t.Expires != nil {
			expires = day(t.Expires)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", audit.Clean(t.Name), t.Operator, day(&t.Created), orNever(t.LastUsed), expires, state)
	}
	return tw.Flush()
}

func day(t *time.Time) string { return t.UTC().Format("2006-01-02 15:04") }

func orNever(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return day(t)
}

// currentService is e.service on a database whose schema is up to date:
// for the commands that issue what serve checks (sign-in links, tokens).
func (e *env) currentService(ctx context.Context) (*transfer.Service, transfer.Access, error) {
	svc, a, err := e.service(ctx)
	if err != nil {
		return svc, a, err
	}
	return svc, a, upToDate(ctx, svc.DB)
}

// revoke ends the tenant's live token called NAME at once.
func (c *tokenCmd) revoke(ctx context.Context, e *env, args []string) error {
	if err := wantArgs(args, 1, "the NAME of the token to revoke"); err != nil {
		return err
	}
	svc, a, err := e.service(ctx)
	if err != nil {
		return err
	}
	if err := svc.RevokeToken(ctx, a, args[0]); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "API token %q is revoked: calls with it are refused from now on.\n", args[0])
	return nil
}
