"""No models yet: a volunteer is a kern user with the volunteer role, and shifts are not
built yet."""
