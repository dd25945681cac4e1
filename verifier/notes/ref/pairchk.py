import sys, subprocess  # needs the probe `pair` binary at /work/target-nova/release/pair and files in /tmp/novaprobe
sys.argv = ['verify.py']
import verify
for pfn, ns in [('/tmp/novaprobe/proof.bin', 3), ('/tmp/novaprobe/proof1.bin', 1)]:
    vk = verify.parse_vk(open('/tmp/novaprobe/vk.bin','rb').read()); pf = verify.parse_proof(open(pfn,'rb').read())
    # reuse main() partially: run full main but skip secondary for speed
    verify.verify_secondary = lambda *a, **k: True
    _, _, L, Rp = verify.main('/tmp/novaprobe/vk.bin', pfn, ns, [2, 3])
    h = lambda x: x.to_bytes(32, 'little').hex()
    v1 = vk['vk_primary']
    out = subprocess.run(['/work/target-nova/release/pair', h(L[0]), h(L[1]), h(Rp[0]), h(Rp[1]), v1['H_raw'].hex(), v1['tau_H_raw'].hex()], capture_output=True, text=True).stdout
    print(out)
