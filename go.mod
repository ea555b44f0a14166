module github.com/batonhq/baton

go 1.26.0

require (
	github.com/goccy/go-yaml v1.19.2
	github.com/ohler55/ojg v1.28.5
	github.com/recolabs/gnata v0.2.2
	github.com/spf13/cobra v1.10.2
)

require (
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
	github.com/tidwall/gjson v1.18.0 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.2.1 // indirect
)
