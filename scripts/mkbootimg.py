#!/usr/bin/env python3
"""Make the boot disk of the qemu-passthrough suite.

    mkbootimg.py OUT.img [--marker HEX]

OUT.img is a 1 MiB raw disk for an emulated NVMe controller that the test
guest hands to an inner QEMU with -device vfio-pci.  The inner SeaBIOS boots
its sector 0, an MBR whose 16-bit code:

  1. prints "mbr: ..." on COM1 (polled 16550 at 0x3f8), so a console shows
     that the boot sector ran even when the rest fails;
  2. zeroes 8 KiB at 0000:8000 and reads DATA_SECTORS sectors starting at
     LBA DATA_LBA into it with int 13h AH=42h (extended read): SeaBIOS
     serves that from the NVMe controller, i.e. by DMA through the outer
     guest's IOMMU;
  3. prints the NUL-terminated string at the start of the last of those
     sectors (the marker, which is nowhere in sector 0), then " sum=XXXX",
     the 16-bit sum of all the little-endian words it read (so the whole
     8 KiB, two pages, must have arrived intact, not only the marker);
     on an int 13h error it prints "mbr: int13 error AH=XX" instead;
  4. powers the machine off through ACPI: on q35 SeaBIOS puts the ICH9
     PM block at I/O 0x600, and writing SLP_EN (bit 13) with SLP_TYP 0 to
     PM1a_CNT (0x604) makes QEMU shut down (exit status 0); if that ever
     does nothing, it halts with interrupts off.

The sectors read are random bytes, except the marker at the start of the
last one.  The marker is "IOMMUFD-PASSTHROUGH-OK " and 32 random hex
digits, drawn each time the image is made (or given with --marker).
OUT.img.marker receives the exact line the inner guest prints on success:

    IOMMUFD-PASSTHROUGH-OK <32 hex digits> sum=<4 hex digits>

The machine code is assembled here by a minimal two-pass assembler for
the handful of 8086/80186 instructions it needs; no nasm required.
"""

import argparse
import os
import struct
import sys

SECTOR = 512
IMAGE_SECTORS = 2048            # 1 MiB
DATA_LBA = 1024                 # first sector read by the boot code
DATA_SECTORS = 16               # 8 KiB: two 4 KiB pages of DMA
BUF = 0x8000                    # 0000:8000, free conventional memory
ORG = 0x7C00                    # where the BIOS loads sector 0
COM1 = 0x3F8
PM1A_CNT = 0x604                # q35 (ICH9) PMBASE 0x600 + 4, set by SeaBIOS
SLP_EN = 1 << 13
MARKER_PREFIX = "IOMMUFD-PASSTHROUGH-OK "


class Asm:
    """Bytes plus labels; rel8/rel16/abs16 operands resolved at the end."""

    def __init__(self, org):
        self.org = org
        self.code = bytearray()
        self.labels = {}
        self.fixups = []        # (offset in code, kind, label)

    def here(self):
        return self.org + len(self.code)

    def label(self, name):
        if name in self.labels:
            raise ValueError("label %s defined twice" % name)
        self.labels[name] = self.here()

    def db(self, *data):
        for d in data:
            if isinstance(d, int):
                self.code.append(d)
            else:
                self.code += bytes(d)

    def dw(self, value):
        self.code += struct.pack("<H", value)

    def ref(self, kind, name):
        """Leave room for an operand that refers to label NAME."""
        self.fixups.append((len(self.code), kind, name))
        self.code += bytes(1 if kind == "rel8" else 2)

    def asciz(self, text):
        self.code += text.encode("ascii") + b"\0"

    def resolve(self):
        for off, kind, name in self.fixups:
            target = self.labels[name]
            if kind == "abs16":
                struct.pack_into("<H", self.code, off, target)
            elif kind == "rel16":
                # relative to the end of the 2-byte operand (end of insn)
                rel = target - (self.org + off + 2)
                struct.pack_into("<h", self.code, off, rel)
            elif kind == "rel8":
                rel = target - (self.org + off + 1)
                if not -128 <= rel <= 127:
                    raise ValueError("short jump to %s out of range" % name)
                struct.pack_into("<b", self.code, off, rel)
            else:
                raise ValueError(kind)
        return bytes(self.code)

    # The instructions used below, each with its encoding.
    def jmp_short(self, name):  # EB rel8
        self.db(0xEB)
        self.ref("rel8", name)

    def jcc_short(self, opcode, name):  # 7x rel8
        self.db(opcode)
        self.ref("rel8", name)

    def loop(self, name):       # E2 rel8
        self.db(0xE2)
        self.ref("rel8", name)

    def call(self, name):       # E8 rel16
        self.db(0xE8)
        self.ref("rel16", name)

    def jmp_near(self, name):   # E9 rel16
        self.db(0xE9)
        self.ref("rel16", name)

    def mov_si_label(self, name):  # BE imm16
        self.db(0xBE)
        self.ref("abs16", name)

    def mov_si(self, imm):      # BE imm16
        self.db(0xBE)
        self.dw(imm)

    def mov_di(self, imm):      # BF imm16
        self.db(0xBF)
        self.dw(imm)

    def mov_cx(self, imm):      # B9 imm16
        self.db(0xB9)
        self.dw(imm)

    def mov_dx(self, imm):      # BA imm16
        self.db(0xBA)
        self.dw(imm)

    def mov_ax(self, imm):      # B8 imm16
        self.db(0xB8)
        self.dw(imm)


JC, JZ, JNZ, JBE = 0x72, 0x74, 0x75, 0x76


def boot_sector():
    a = Asm(ORG)
    # Flat real-mode segments, stack below the code, CS:IP = 0000:7Cxx.
    a.db(0xFA)                          # cli
    a.db(0x31, 0xC0)                    # xor ax, ax
    a.db(0x8E, 0xD8)                    # mov ds, ax
    a.db(0x8E, 0xC0)                    # mov es, ax
    a.db(0x8E, 0xD0)                    # mov ss, ax
    a.db(0xBC)                          # mov sp, 7C00h
    a.dw(ORG)
    a.db(0xFB)                          # sti
    a.db(0xFC)                          # cld
    a.db(0xEA)                          # jmp 0000:start
    a.ref("abs16", "start")
    a.dw(0)
    a.label("start")
    a.db(0x88, 0x16)                    # mov [drive], dl (BIOS boot drive)
    a.ref("abs16", "drive")

    a.mov_si_label("msg_hello")
    a.call("puts")

    # Zero the buffer, so whatever is printed was written by the read.
    a.mov_di(BUF)
    a.mov_cx(DATA_SECTORS * SECTOR // 2)
    a.db(0x31, 0xC0)                    # xor ax, ax
    a.db(0xF3, 0xAB)                    # rep stosw

    # int 13h AH=42h: DS:SI -> disk address packet, DL = drive.
    a.mov_si_label("dap")
    a.db(0x8A, 0x16)                    # mov dl, [drive]
    a.ref("abs16", "drive")
    a.db(0xB4, 0x42)                    # mov ah, 42h
    a.db(0xCD, 0x13)                    # int 13h
    a.jcc_short(JC, "read_error")

    # BX = 16-bit sum of the words read.
    a.mov_si(BUF)
    a.mov_cx(DATA_SECTORS * SECTOR // 2)
    a.db(0x31, 0xDB)                    # xor bx, bx
    a.label("sum")
    a.db(0xAD)                          # lodsw
    a.db(0x01, 0xC3)                    # add bx, ax
    a.loop("sum")

    a.mov_si(BUF + (DATA_SECTORS - 1) * SECTOR)
    a.call("puts")                      # the marker, from the disk
    a.mov_si_label("msg_sum")
    a.call("puts")
    a.db(0x88, 0xF8)                    # mov al, bh
    a.call("hex8")
    a.db(0x88, 0xD8)                    # mov al, bl
    a.call("hex8")
    a.mov_si_label("msg_crlf")
    a.call("puts")
    a.jmp_short("power_off")

    a.label("read_error")
    a.db(0x50)                          # push ax (AH = status)
    a.mov_si_label("msg_error")
    a.call("puts")
    a.db(0x58)                          # pop ax
    a.db(0x88, 0xE0)                    # mov al, ah
    a.call("hex8")
    a.mov_si_label("msg_crlf")
    a.call("puts")

    a.label("power_off")
    a.mov_si_label("msg_off")
    a.call("puts")
    a.mov_dx(PM1A_CNT)
    a.mov_ax(SLP_EN)                    # SLP_TYP 0 = soft off in QEMU
    a.db(0xEF)                          # out dx, ax
    a.label("halt")
    a.db(0xFA)                          # cli
    a.db(0xF4)                          # hlt
    a.jmp_short("halt")

    # puts: print the NUL-terminated string at DS:SI.
    a.label("puts")
    a.db(0xAC)                          # lodsb
    a.db(0x84, 0xC0)                    # test al, al
    a.jcc_short(JZ, "puts_done")
    a.call("putc")
    a.jmp_short("puts")
    a.label("puts_done")
    a.db(0xC3)                          # ret

    # hex8: print AL as two hex digits; hex4 prints its low nibble.
    a.label("hex8")
    a.db(0x50)                          # push ax
    a.db(0xC0, 0xE8, 0x04)              # shr al, 4
    a.call("hex4")
    a.db(0x58)                          # pop ax
    a.label("hex4")
    a.db(0x24, 0x0F)                    # and al, 0Fh
    a.db(0x04, 0x30)                    # add al, '0'
    a.db(0x3C, 0x39)                    # cmp al, '9'
    a.jcc_short(JBE, "putc")
    a.db(0x04, 0x07)                    # add al, 'A' - '9' - 1

    # putc: write AL to COM1 once its transmit register is empty (bounded
    # wait); AX and DX are preserved.
    a.label("putc")
    a.db(0x50)                          # push ax
    a.db(0x52)                          # push dx
    a.db(0x51)                          # push cx
    a.db(0x88, 0xC4)                    # mov ah, al
    a.mov_dx(COM1 + 5)                  # line status register
    a.mov_cx(0xFFFF)
    a.label("putc_wait")
    a.db(0xEC)                          # in al, dx
    a.db(0xA8, 0x20)                    # test al, 20h (THR empty)
    a.jcc_short(JNZ, "putc_ready")
    a.loop("putc_wait")
    a.label("putc_ready")
    a.mov_dx(COM1)
    a.db(0x88, 0xE0)                    # mov al, ah
    a.db(0xEE)                          # out dx, al
    a.db(0x59)                          # pop cx
    a.db(0x5A)                          # pop dx
    a.db(0x58)                          # pop ax
    a.db(0xC3)                          # ret

    # Disk address packet for int 13h AH=42h.
    a.label("dap")
    a.db(0x10, 0x00)                    # packet size, reserved
    a.dw(DATA_SECTORS)
    a.dw(BUF)                           # offset
    a.dw(0)                             # segment
    a.code += struct.pack("<Q", DATA_LBA)

    a.label("drive")
    a.db(0x00)
    a.label("msg_hello")
    a.asciz("\r\nmbr: reading %d sectors at LBA %d with int 13h\r\n"
            % (DATA_SECTORS, DATA_LBA))
    a.label("msg_sum")
    a.asciz(" sum=")
    a.label("msg_crlf")
    a.asciz("\r\n")
    a.label("msg_error")
    a.asciz("mbr: int13 error AH=")
    a.label("msg_off")
    a.asciz("mbr: power off\r\n")

    code = a.resolve()
    if len(code) > 446:
        raise ValueError("boot code is %d bytes, more than 446" % len(code))
    sector = bytearray(SECTOR)
    sector[:len(code)] = code
    sector[510:512] = b"\x55\xAA"
    return bytes(sector)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="image to write (OUT.marker gets the line)")
    ap.add_argument("--marker", help="32 hex digits instead of random ones")
    args = ap.parse_args()

    token = args.marker or os.urandom(16).hex()
    if len(token) != 32 or any(c not in "0123456789abcdef" for c in token):
        sys.exit("mkbootimg: --marker wants 32 lowercase hex digits")
    marker = (MARKER_PREFIX + token).encode("ascii")

    data = bytearray(os.urandom(DATA_SECTORS * SECTOR))
    last = (DATA_SECTORS - 1) * SECTOR
    data[last:last + len(marker) + 1] = marker + b"\0"
    total = sum(struct.unpack("<%dH" % (len(data) // 2), data)) & 0xFFFF

    mbr = boot_sector()
    if marker in mbr:
        raise AssertionError("marker leaked into the boot sector")

    image = bytearray(IMAGE_SECTORS * SECTOR)
    image[:SECTOR] = mbr
    image[DATA_LBA * SECTOR:DATA_LBA * SECTOR + len(data)] = data

    tmp = args.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(image)
    os.replace(tmp, args.out)
    with open(args.out + ".marker", "w") as f:
        f.write("%s sum=%04X\n" % (marker.decode(), total))


if __name__ == "__main__":
    main()
