cat <<-'X'
	a $(b)
	X
