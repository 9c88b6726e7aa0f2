/* text_end.S - end of trapline's freestanding code (see tl_gate_text_start).
 * Linked after the last freestanding object. */
    .text
    .globl tl_gate_text_end
tl_gate_text_end:
    .section .note.GNU-stack, "", @progbits
