module handover

go 1.26.8
