/* builtin_policy.S - embeds rules/default.policy as the built-in default. */
	.section .rodata
	.global policy_builtin_default
	.type policy_builtin_default, @object
	.balign 16
policy_builtin_default:
	.incbin "rules/default.policy"
	.byte 0
policy_builtin_default_end:
	.global policy_builtin_default_len
	.type policy_builtin_default_len, @object
	.balign 8
policy_builtin_default_len:
	.quad policy_builtin_default_end - policy_builtin_default - 1
	.section .note.GNU-stack,"",@progbits
