"""What the end-to-end tests ask of an AWS endpoint (moto), through boto3:

    python aws_probe.py ENDPOINT_URL REGION inventory
    python aws_probe.py ENDPOINT_URL REGION open-ssh SECURITY_GROUP_ID
    python aws_probe.py ENDPOINT_URL REGION tag RESOURCE_ID KEY VALUE

`inventory` prints, as one JSON object, what the endpoint holds in the region: every
non-default VPC with its subnets, route tables, gateways, addresses and security groups,
the instances that are not terminated, EKS clusters and node groups, IAM roles and
instance profiles with their policies, and the customer KMS keys and aliases. The tests
compare it with what a configuration should have made, and expect it empty (KMS keys
aside, which can only be scheduled for deletion) after a destroy. `open-ssh` and `tag` make
drift by hand, as an operator would.

Run with the tools venv's python, which has boto3 (a dependency of moto).
"""

import json
import sys

import boto3


def main() -> None:
    endpoint, region, command, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
    )

    def client(name):
        return session.client(name, endpoint_url=endpoint)

    if command == "open-ssh":
        client("ec2").authorize_security_group_ingress(
            GroupId=args[0], IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                                             "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        return
    if command == "tag":
        client("ec2").create_tags(Resources=[args[0]], Tags=[{"Key": args[1], "Value": args[2]}])
        return
    if command == "caller":
        # Who moto says an access key belongs to (moto reads the caller from the signed
        # Authorization header's credential and checks no signature, so any secret will do).
        caller = boto3.session.Session(
            aws_access_key_id=args[0], aws_secret_access_key="unused", region_name=region
        ).client("sts", endpoint_url=endpoint).get_caller_identity()
        json.dump({"arn": caller["Arn"], "account": caller["Account"]}, sys.stdout)
        return
    if command != "inventory":
        sys.exit(f"unknown command {command!r}")
    inventory(client)


def inventory(client) -> None:
    ec2, eks, iam, kms = client("ec2"), client("eks"), client("iam"), client("kms")
    tags = lambda obj: {t["Key"]: t["Value"] for t in obj.get("Tags") or []}  # noqa: E731

    vpcs = [v for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")]
    vpc_ids = [v["VpcId"] for v in vpcs]
    in_vpcs = [{"Name": "vpc-id", "Values": vpc_ids}] if vpc_ids else None

    def scoped(call, key, filter_name="vpc-id"):
        if not vpc_ids:
            return []
        return call(Filters=[{"Name": filter_name, "Values": vpc_ids}])[key]

    out = {"vpcs": [], "subnets": [], "route_tables": [], "internet_gateways": [],
           "nat_gateways": [], "addresses": [], "security_groups": [], "instances": [],
           "eks_clusters": [], "eks_nodegroups": [], "iam_roles": [], "oidc_providers": [],
           "instance_profiles": [], "kms_aliases": [], "kms_keys": []}

    for v in vpcs:
        attr = lambda name: ec2.describe_vpc_attribute(VpcId=v["VpcId"], Attribute=name)  # noqa: E731
        out["vpcs"].append({
            "id": v["VpcId"], "cidr": v["CidrBlock"], "tags": tags(v),
            "dns_support": attr("enableDnsSupport")["EnableDnsSupport"]["Value"],
            "dns_hostnames": attr("enableDnsHostnames")["EnableDnsHostnames"]["Value"],
        })
    for s in scoped(ec2.describe_subnets, "Subnets"):
        out["subnets"].append({
            "id": s["SubnetId"], "vpc": s["VpcId"], "cidr": s["CidrBlock"],
            "az": s["AvailabilityZone"], "map_public_ip": s["MapPublicIpOnLaunch"],
            "tags": tags(s),
        })
    for rt in scoped(ec2.describe_route_tables, "RouteTables"):
        out["route_tables"].append({
            "id": rt["RouteTableId"], "tags": tags(rt),
            "subnets": sorted(a["SubnetId"] for a in rt["Associations"] if a.get("SubnetId")),
            "main": any(a.get("Main") for a in rt["Associations"]),
            "routes": [{"destination": r.get("DestinationCidrBlock"),
                        "gateway": r.get("GatewayId"), "nat_gateway": r.get("NatGatewayId")}
                       for r in rt["Routes"]],
        })
    for igw in scoped(ec2.describe_internet_gateways, "InternetGateways", "attachment.vpc-id"):
        out["internet_gateways"].append({"id": igw["InternetGatewayId"], "tags": tags(igw)})
    if in_vpcs:
        for nat in ec2.describe_nat_gateways(Filters=in_vpcs)["NatGateways"]:
            if nat["State"] not in ("deleted", "deleting"):
                out["nat_gateways"].append({"id": nat["NatGatewayId"], "subnet": nat["SubnetId"],
                                            "state": nat["State"], "tags": tags(nat)})
    for a in ec2.describe_addresses()["Addresses"]:
        out["addresses"].append({"allocation_id": a.get("AllocationId"), "domain": a.get("Domain"),
                                 "tags": tags(a)})
    for sg in scoped(ec2.describe_security_groups, "SecurityGroups"):
        if sg["GroupName"] == "default":
            continue
        out["security_groups"].append({
            "id": sg["GroupId"], "name": sg["GroupName"], "vpc": sg["VpcId"], "tags": tags(sg),
            "ingress": [{"from": p.get("FromPort"), "to": p.get("ToPort"),
                         "protocol": p["IpProtocol"],
                         "cidrs": [r["CidrIp"] for r in p.get("IpRanges", [])],
                         "groups": [g["GroupId"] for g in p.get("UserIdGroupPairs", [])]}
                        for p in sg["IpPermissions"]],
        })
    for r in ec2.describe_instances()["Reservations"]:
        for i in r["Instances"]:
            if i["State"]["Name"] in ("terminated", "shutting-down"):
                continue
            out["instances"].append({
                "id": i["InstanceId"], "state": i["State"]["Name"], "subnet": i.get("SubnetId"),
                "type": i["InstanceType"], "image": i["ImageId"], "tags": tags(i),
                "profile_arn": (i.get("IamInstanceProfile") or {}).get("Arn"),
                "http_tokens": (i.get("MetadataOptions") or {}).get("HttpTokens"),
            })

    for name in eks.list_clusters()["clusters"]:
        c = eks.describe_cluster(name=name)["cluster"]
        vpc = c["resourcesVpcConfig"]
        out["eks_clusters"].append({
            "name": name, "version": c.get("version"), "role_arn": c["roleArn"],
            "endpoint_public_access": vpc.get("endpointPublicAccess"),
            "endpoint_private_access": vpc.get("endpointPrivateAccess"),
            "subnets": sorted(vpc.get("subnetIds", [])),
            "security_groups": sorted(vpc.get("securityGroupIds", [])),
            "encryption": [{"resources": e.get("resources"),
                            "key_arn": (e.get("provider") or {}).get("keyArn")}
                           for e in c.get("encryptionConfig") or []],
            "tags": c.get("tags") or {},
        })
        for ng_name in eks.list_nodegroups(clusterName=name)["nodegroups"]:
            ng = eks.describe_nodegroup(clusterName=name, nodegroupName=ng_name)["nodegroup"]
            out["eks_nodegroups"].append({
                "cluster": name, "name": ng_name, "role_arn": ng["nodeRole"],
                "instance_types": ng.get("instanceTypes"), "capacity_type": ng.get("capacityType"),
                "disk_size": ng.get("diskSize"), "scaling": ng.get("scalingConfig"),
                "subnets": sorted(ng.get("subnets", [])), "tags": ng.get("tags") or {},
            })

    for role in iam.list_roles()["Roles"]:
        name = role["RoleName"]
        out["iam_roles"].append({
            "name": name, "arn": role["Arn"],
            "attached": sorted(p["PolicyArn"] for p in
                               iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]),
            "inline": sorted(iam.list_role_policies(RoleName=name)["PolicyNames"]),
            "trust": role.get("AssumeRolePolicyDocument"),
        })
    for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        provider = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=p["Arn"])
        out["oidc_providers"].append({
            "arn": p["Arn"], "url": provider.get("Url"),
            "client_ids": sorted(provider.get("ClientIDList", [])),
            "thumbprints": provider.get("ThumbprintList", []),
        })
    for p in iam.list_instance_profiles()["InstanceProfiles"]:
        out["instance_profiles"].append({"name": p["InstanceProfileName"], "arn": p["Arn"],
                                         "roles": [r["RoleName"] for r in p["Roles"]]})

    # AWS-managed keys (alias/aws/*, such as the EBS default key that an encrypted volume
    # creates) are not the caller's; moto reports their KeyManager as CUSTOMER.
    aws_managed = set()
    for a in kms.list_aliases()["Aliases"]:
        if a["AliasName"].startswith("alias/aws/"):
            aws_managed.add(a.get("TargetKeyId"))
        else:
            out["kms_aliases"].append({"name": a["AliasName"], "target": a.get("TargetKeyId")})
    for k in kms.list_keys()["Keys"]:
        meta = kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]
        if meta.get("KeyManager") == "AWS" or meta["KeyId"] in aws_managed:
            continue
        out["kms_keys"].append({"id": meta["KeyId"], "arn": meta["Arn"], "state": meta["KeyState"],
                                "rotation": kms.get_key_rotation_status(KeyId=k["KeyId"])
                                ["KeyRotationEnabled"] if meta["KeyState"] == "Enabled" else None})

    json.dump(out, sys.stdout, indent=1, sort_keys=True, default=str)


if __name__ == "__main__":
    main()
